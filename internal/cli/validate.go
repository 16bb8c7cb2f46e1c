package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/validate"
)

// validateOptions are `berth validate`'s flags.
type validateOptions struct {
	server      bool
	kubeVersion string
	kubeconfig  string
	kubeContext string
	output      string
	// fullCheck decides what the fast check cannot vouch for.
	fullCheck FullCheck
	// serverCheck runs --server; nil in the lean executable, which hands --server to
	// berth-cluster.
	serverCheck func(ctx context.Context, environ []string, kubeconfig, kubeContext string, objs []*unstructured.Unstructured) ([]validate.Result, error)
}

func newValidate(streams IO, serverCheck func(ctx context.Context, environ []string, kubeconfig, kubeContext string, objs []*unstructured.Unstructured) ([]validate.Result, error), fullCheck FullCheck) *cobra.Command {
	o := &validateOptions{serverCheck: serverCheck, fullCheck: fullCheck}
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check Kubernetes manifests offline against the API schemas, or with a server dry-run",
		Long: `Validate checks every object in the given YAML/JSON files (directories are searched for
*.yaml, *.yml and *.json) and reports each one Kubernetes would reject.

Offline (the default) it uses the OpenAPI schemas of --kube-version captured from a real
kube-apiserver and built into berth: unknown fields, wrong types, missing required fields,
values outside an enum, duplicate list entries. It does not run the apiserver's own rules
(name formats, selectors matching labels, ...): --server does.

With --server each object is server-side applied with dryRun=All and fieldValidation=Strict
on the current kubeconfig's cluster (nothing is changed; the namespaces must exist). Server
warnings count as failures.`,
		Example: `  berth validate k8s/
  berth validate --kube-version 1.33 deploy.yaml service.yaml
  berth validate --server k8s/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output != "text" && o.output != "json" {
				return fmt.Errorf("--output %q: want text or json", o.output)
			}
			if o.server && o.kubeVersion != validate.DefaultKubeVersion {
				return errors.New("--kube-version applies to offline validation; --server checks the cluster's own version")
			}
			if o.server && o.serverCheck == nil {
				return handoff(streams, commandLine(cmd, args))
			}
			return o.run(cmd.Context(), streams, args)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.server, "server", false, "check with a server-side dry-run on the kubeconfig's cluster instead of offline")
	fs.StringVar(&o.kubeVersion, "kube-version", validate.DefaultKubeVersion,
		"Kubernetes version whose schemas offline validation uses (embedded: "+strings.Join(validate.KubeVersions(), ", ")+")")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "with --server: path to the kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.kubeContext, "context", "", "with --server: kubeconfig context to use (default: the current context)")
	fs.StringVarP(&o.output, "output", "o", "text", "text, or json: the verdict on each object as a JSON array")
	return cmd
}

// sourced is an object and the file it came from.
type sourced struct {
	file string
	obj  *unstructured.Unstructured
}

func (o *validateOptions) run(ctx context.Context, streams IO, paths []string) error {
	objs, err := readManifests(paths, streams.In)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return fmt.Errorf("no Kubernetes objects found in %s", strings.Join(paths, ", "))
	}
	list := make([]*unstructured.Unstructured, len(objs))
	for i, s := range objs {
		list[i] = s.obj
	}
	var results []validate.Result
	if o.server {
		if results, err = o.serverCheck(ctx, streams.Environ, o.kubeconfig, o.kubeContext, list); err != nil {
			return err
		}
	} else if results, err = o.offline(list); err != nil {
		return err
	}
	if o.output == "json" {
		return printValidationJSON(streams.Out, results)
	}
	return printValidation(streams.Out, objs, results)
}

// offline is the fast check, and the full validators for what it cannot vouch for.
func (o *validateOptions) offline(list []*unstructured.Unstructured) ([]validate.Result, error) {
	fast, err := validate.NewFast(o.kubeVersion, nil)
	if err != nil {
		return nil, err
	}
	results, unsure := fast.Check(list)
	for i, obj := range list {
		// Custom resources berth emits itself are checked against their embedded CRDs.
		if !fast.Has(obj.GroupVersionKind()) && validate.EmbeddedCRDKind(obj.GroupVersionKind()) {
			unsure = append(unsure, i)
		}
	}
	sort.Ints(unsure)
	if len(unsure) == 0 {
		return results, nil
	}
	sub := make([]*unstructured.Unstructured, len(unsure))
	for k, i := range unsure {
		sub[k] = list[i]
	}
	full, err := o.fullCheck(fast.KubeVersion(), sub)
	if err != nil {
		return nil, fmt.Errorf("%s could not be checked: the fast check cannot vouch for them and the full check failed: %w", plural(len(unsure), "object"), err)
	}
	for k, i := range unsure {
		results[i] = full[k]
	}
	return results, nil
}

// printValidationJSON writes the results as one JSON array; like printValidation it returns
// an error (exit code 1, no message) when any object failed.
func printValidationJSON(out io.Writer, results []validate.Result) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
		return err
	}
	for _, r := range results {
		if !r.OK() {
			return &ExitError{Code: 1}
		}
	}
	return nil
}

// printValidation prints each failing object with its file, then the summary; it returns an error
// (exit code 1) when any object failed.
func printValidation(out io.Writer, objs []sourced, results []validate.Result) error {
	failed := 0
	for i, r := range results {
		if r.OK() {
			continue
		}
		failed++
		fmt.Fprintf(out, "%s: %s\n", objs[i].file, strings.ReplaceAll(r.String(), "\n", "\n    "))
	}
	sum := validate.Summarize(results)
	fmt.Fprintln(out, sum)
	if failed > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d objects failed validation", failed, sum.Objects)}
	}
	return nil
}

// readManifests reads the objects of every file in paths (directories: their *.yaml, *.yml
// and *.json files, recursively, in lexical order; "-": in).
func readManifests(paths []string, in io.Reader) ([]sourced, error) {
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(f)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					found = append(found, f)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var objs []sourced
	for _, f := range files {
		var data []byte
		var err error
		if f == "-" {
			data, err = io.ReadAll(in)
			f = "<stdin>"
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, err
		}
		parsed, err := validate.ParseYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, o := range parsed {
			objs = append(objs, sourced{file: f, obj: o})
		}
	}
	return objs, nil
}
