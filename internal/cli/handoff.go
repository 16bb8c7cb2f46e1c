package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/validate"
)

// ClusterExecutable is the name of the executable holding the cluster commands.
const ClusterExecutable = "berth-cluster"

// handoffEnv marks the environment of a process berth handed a command to: berth-cluster
// never hands commands on, so a berth that finds it set was started by a berth in place of
// berth-cluster (BERTH_CLUSTER or PATH naming berth itself) and stops instead of looping.
const handoffEnv = "BERTH_HANDOFF"

// ClusterEnv names the environment variable that points at the berth-cluster executable,
// overriding the search beside berth and on PATH (for packagers and tests).
const ClusterEnv = "BERTH_CLUSTER"

// newHandoff is the lean executable's stand-in for a cluster command: it runs berth-cluster
// with the same arguments. Flag parsing is off, so every flag (--help too) reaches it as typed.
func newHandoff(streams IO, c ClusterCommand) *cobra.Command {
	return &cobra.Command{
		Use:                c.Name,
		Short:              c.Short,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return handoff(streams, append([]string{c.Name}, args...))
		},
	}
}

// commandLine rebuilds the arguments of cmd as berth-cluster takes them: the command's name,
// every flag that was set (as --name=value), then "--" and the positional arguments.
func commandLine(cmd *cobra.Command, args []string) []string {
	line := []string{cmd.Name()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				line = append(line, "--"+f.Name+"="+v)
			}
			return
		}
		line = append(line, "--"+f.Name+"="+f.Value.String())
	})
	return append(append(line, "--"), args...)
}

// handoff runs berth-cluster with args in place of this process.
func handoff(streams IO, args []string) error {
	path, err := findCluster(streams.Environ)
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s: %w", args[0], err)}
	}
	streams.Environ = handoffEnviron(streams.Environ)
	return execCluster(streams, path, args)
}

// handoffEnviron is environ marked with handoffEnv.
func handoffEnviron(environ []string) []string {
	return append([]string{handoffEnv + "=1"}, environ...)
}

// findCluster locates berth-cluster: $BERTH_CLUSTER, else beside this executable (symlinks
// resolved), else on PATH.
func findCluster(environ []string) (string, error) {
	if v, _ := LookupEnv(environ, handoffEnv); v != "" {
		return "", fmt.Errorf("berth was started in place of %s (check %s and PATH): the %s found is not %s",
			ClusterExecutable, ClusterEnv, ClusterExecutable, ClusterExecutable)
	}
	name := ClusterExecutable
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if p, ok := LookupEnv(environ, ClusterEnv); ok && p != "" {
		if !isExecutable(p) {
			return "", fmt.Errorf("%s=%s is not an executable file", ClusterEnv, p)
		}
		return p, nil
	}
	self := "berth"
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			self = exe
			if p := filepath.Join(filepath.Dir(exe), name); isExecutable(p) {
				return p, nil
			}
		}
	}
	path, _ := LookupEnv(environ, "PATH")
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("this command is in the %s executable, which is neither beside %s nor on PATH; install it with: go install github.com/berth-dev/berth/cmd/%s@%s",
		ClusterExecutable, self, ClusterExecutable, moduleVersion())
}

// isExecutable reports whether p is a regular file someone may execute.
func isExecutable(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" {
		return st.Mode().IsRegular()
	}
	return st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// moduleVersion is the version berth was built at, or "latest" for a development build.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "latest"
}

// LookupEnv returns the value of key in environ ("KEY=value" entries; the first one wins, as
// in os.Getenv).
func LookupEnv(environ []string, key string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// clusterFullCheck runs berth-cluster's full offline validators as a child process: the
// objects go to `berth-cluster validate --kube-version V -o json -` as a stream of JSON
// documents, the verdicts come back as JSON.
func clusterFullCheck(streams IO) FullCheck {
	return func(kubeVersion string, objs []*unstructured.Unstructured) ([]validate.Result, error) {
		path, err := findCluster(streams.Environ)
		if err != nil {
			return nil, err
		}
		var in bytes.Buffer
		for _, o := range objs {
			b, err := json.Marshal(o.Object)
			if err != nil {
				return nil, err
			}
			in.Write(b)
			in.WriteString("\n---\n")
		}
		var out, errOut bytes.Buffer
		cmd := exec.Command(path, "validate", "--kube-version", kubeVersion, "-o", "json", "-")
		cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = &in, &out, &errOut, handoffEnviron(streams.Environ)
		runErr := cmd.Run()
		var results []validate.Result
		if err := json.Unmarshal(out.Bytes(), &results); err != nil || len(results) != len(objs) {
			return nil, fmt.Errorf("%s validate: %v: %s", path, runErr, strings.TrimSpace(errOut.String()))
		}
		return results, nil
	}
}
