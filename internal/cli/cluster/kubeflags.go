package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kubeFlags are kubectl's connection flags: --kubeconfig, --context (KUBECONFIG honoured).
type kubeFlags struct {
	kubeconfig string
	context    string
}

func (k *kubeFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&k.context, "context", "", "kubeconfig context to use (default: the current context)")
}

// client connects as kubectl would and returns the client and the context's namespace.
func (k *kubeFlags) client(environ []string) (*apply.Client, string, error) {
	cfg, ns, err := k.config(environ)
	if err != nil {
		return nil, "", err
	}
	c, err := apply.NewClient(cfg)
	return c, ns, err
}

// config loads the kubeconfig as kubectl would and returns it and the context's namespace.
func (k *kubeFlags) config(environ []string) (*rest.Config, string, error) {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: k.kubeconfig}
	if v, ok := cli.LookupEnv(environ, clientcmd.RecommendedConfigPathEnvVar); ok && v != "" {
		rules.Precedence = filepath.SplitList(v)
	} else {
		rules.Precedence = []string{clientcmd.RecommendedHomeFile}
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: k.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	return cfg, ns, nil
}

// target is how a cluster command finds the application: its input (-f, --app, --from, ...)
// and the cluster (--kubeconfig, --context). Every command that works on an application
// embeds it.
type target struct {
	source appSource
	kube   kubeFlags
}

func newTarget(streams cli.IO) target {
	return target{source: appSource{input: cli.ConvertFlags{Environ: streams.Environ}}}
}

func (t *target) bind(fs *pflag.FlagSet) {
	t.source.bind(fs)
	t.kube.bind(fs)
}

// applySet connects to the cluster and identifies the application's ApplySet.
func (t *target) applySet(ctx context.Context, streams cli.IO) (*apply.Client, apply.Set, error) {
	c, ns, err := t.kube.client(streams.Environ)
	if err != nil {
		return nil, apply.Set{}, err
	}
	set, _, err := t.source.identify(ctx, streams, ns)
	return c, set, err
}

// appSource says which application a cluster command works on: the convert flags (load and
// convert, as berth convert does), or --from DIR (a directory berth convert wrote).
type appSource struct {
	input cli.ConvertFlags
	from  string
	name  string
}

func (s *appSource) bind(fs *pflag.FlagSet) {
	s.input.Bind(fs)
	fs.StringVarP(&s.from, "from", "k", "", "apply the objects in DIR (a directory berth convert wrote) instead of converting")
	fs.StringVar(&s.name, "app", "", "application name of the ApplySet (default: the project name, or the objects' app.kubernetes.io/part-of label)")
}

// load returns the application's objects and its ApplySet. Conversion warnings go to errOut.
func (s *appSource) load(ctx context.Context, streams cli.IO, defaultNS string) ([]*unstructured.Unstructured, apply.Set, error) {
	if s.from != "" {
		return s.loadDir(defaultNS)
	}
	res, app, err := s.input.Run(ctx)
	if err != nil {
		return nil, apply.Set{}, err
	}
	cli.PrintWarnings(streams.ErrOut, res.Diagnostics, report.NewRedactor(app, res.Objects))
	us, err := unstructuredObjects(res.Objects)
	if err != nil {
		return nil, apply.Set{}, err
	}
	name := app.Name
	if s.name != "" {
		name = s.name
	}
	return us, apply.NewSet(name, namespaceOf(us, app.Name)), nil
}

func (s *appSource) loadDir(defaultNS string) ([]*unstructured.Unstructured, apply.Set, error) {
	objs, err := apply.ReadDir(s.from)
	if err != nil {
		return nil, apply.Set{}, err
	}
	name := s.name
	if name == "" {
		if name, err = apply.AppName(objs); err != nil {
			return nil, apply.Set{}, fmt.Errorf("%s: %w", s.from, err)
		}
	}
	ns := s.input.Options.Namespace
	if ns == "" {
		ns = namespaceOf(objs, defaultNS)
	}
	return objs, apply.NewSet(name, ns), nil
}

// namespaceOf is the application's namespace: its Namespace object, else the namespace its
// objects share, else def.
func namespaceOf(objs []*unstructured.Unstructured, def string) string {
	for _, u := range objs {
		if u.GetKind() == "Namespace" && u.GetAPIVersion() == "v1" {
			return u.GetName()
		}
	}
	for _, u := range objs {
		if ns := u.GetNamespace(); ns != "" {
			return ns
		}
	}
	if def == "" {
		return "default"
	}
	return def
}

// identify returns the ApplySet without loading objects when --app names it (status, down,
// restart): -n or the kubeconfig namespace is its namespace.
func (s *appSource) identify(ctx context.Context, streams cli.IO, defaultNS string) (apply.Set, []*unstructured.Unstructured, error) {
	if s.name != "" && s.from == "" && len(s.input.Files) == 0 && len(s.input.ECSFiles) == 0 {
		ns := s.input.Options.Namespace
		if ns == "" {
			ns = s.name
		}
		return apply.NewSet(s.name, ns), nil, nil
	}
	objs, set, err := s.load(ctx, streams, defaultNS)
	return set, objs, err
}

// progress picks live bars on a terminal, plain lines otherwise.
func progress(w io.Writer) apply.Progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return apply.BarProgress(w)
	}
	return apply.PlainProgress(w)
}

// parseDryRun validates --dry-run.
func parseDryRun(s string) (apply.DryRun, error) {
	switch s {
	case "", "none":
		return apply.DryRunNone, nil
	case "client":
		return apply.DryRunClient, nil
	case "server":
		return apply.DryRunServer, nil
	}
	return "", errors.New(`--dry-run must be "none", "client" or "server"`)
}

// unstructuredObjects is the conversion every cluster command applies converted objects
// through: render.Unstructured, the same maps the YAML and JSON files are written from, so
// `apply -f` and `apply --from DIR` send the same patches.
func unstructuredObjects(objs []convert.Object) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		m, err := render.Unstructured(o)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("object %q has no apiVersion/kind", u.GetName())
		}
		out = append(out, u)
	}
	return out, nil
}
