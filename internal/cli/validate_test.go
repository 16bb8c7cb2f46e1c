package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
)

// validManifest holds a Deployment and a Service a cluster accepts; invalidManifest a
// ConfigMap with a misspelt field.
var validManifest, invalidManifest = readTestdata("validate/valid.yaml"), readTestdata("validate/invalid.yaml")

func readTestdata(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func runValidate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRoot(IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: []string{"KUBECONFIG=/nonexistent"}}, Cluster{FullCheck: inProcessFull})
	root.SetArgs(append([]string{"validate"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

func writeManifests(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	golden.WriteTree(t, dir, files)
	return dir
}

func TestValidateOffline(t *testing.T) {
	dir := writeManifests(t, map[string]string{"app/web.yaml": validManifest, "notes.txt": "not a manifest"})
	out, err := runValidate(t, dir)
	if err != nil {
		t.Fatalf("valid manifests: %v\n%s", err, out)
	}
	if !strings.Contains(out, "2 objects: 2 accepted, 0 rejected") {
		t.Errorf("output:\n%s", out)
	}

	bad := writeManifests(t, map[string]string{"a.yaml": validManifest, "b.yml": invalidManifest})
	out, err = runValidate(t, bad)
	if ExitCode(err) != 1 {
		t.Fatalf("invalid manifest: err %v (exit %d), want exit 1\n%s", err, ExitCode(err), out)
	}
	want := filepath.Join(bad, "b.yml") + ": v1 ConfigMap default/cfg: rejected: dta: field not declared in schema"
	if !strings.Contains(out, want) || !strings.Contains(out, "3 objects: 2 accepted, 1 rejected") {
		t.Errorf("output does not contain %q and the summary:\n%s", want, out)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	dir := writeManifests(t, map[string]string{"a.yaml": validManifest, "empty.yaml": "# nothing\n", "broken.yaml": "kind: [\n"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(dir, "a.yaml"), "--kube-version", "1.12"}, "no embedded schemas for kubernetes 1.12"},
		{[]string{filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{filepath.Join(dir, "empty.yaml")}, "no Kubernetes objects found"},
		{[]string{filepath.Join(dir, "broken.yaml")}, "broken.yaml"},
		{[]string{"--server", "--kube-version", "1.32", filepath.Join(dir, "a.yaml")}, "--kube-version applies to offline"},
	} {
		out, err := runValidate(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate %v: err %v, want one mentioning %q\n%s", tc.args, err, tc.want, out)
		}
	}
}

// TestValidateOwnECSOutput: berth's default ECS output (SecretStore and ExternalSecret
// included) passes `berth validate`, checked against the embedded External Secrets CRDs.
func TestValidateOwnECSOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "k8s")
	var so, se bytes.Buffer
	root := NewRoot(IO{In: strings.NewReader(""), Out: &so, ErrOut: &se, Environ: []string{"KUBECONFIG=/nonexistent"}}, Cluster{FullCheck: inProcessFull})
	root.SetArgs([]string{"convert", "--ecs", filepath.Join("..", "..", "pkg", "load", "ecs", "testdata", "secrets", "task.json"), "-o", out})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("convert: %v\n%s", err, se.String())
	}
	got, err := runValidate(t, out)
	if err != nil {
		t.Fatalf("berth validate of berth's own ECS output: %v\n%s", err, got)
	}
	if !strings.Contains(got, "ExternalSecret") && !strings.Contains(got, "objects") {
		t.Logf("%s", got)
	}
}
