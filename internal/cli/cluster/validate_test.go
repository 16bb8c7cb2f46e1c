package cluster

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
	tcluster "github.com/berth-dev/berth/test/cluster"
)

// TestValidateServer runs `berth validate --server` against a real kube-apiserver: the valid
// manifests pass, the ConfigMap with a misspelt field is rejected with the server's message.
func TestValidateServer(t *testing.T) {
	c := tcluster.ForTest(t, tcluster.Options{Mode: tcluster.APIServerOnly})
	dir := t.TempDir()
	for _, name := range []string{"valid.yaml", "invalid.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "validate", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		root := NewRoot(cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &out, Environ: []string{"KUBECONFIG=/nonexistent"}})
		root.SetArgs(append([]string{"validate", "--server", "--kubeconfig", c.Kubeconfig}, args...))
		err := root.ExecuteContext(context.Background())
		return out.String(), err
	}
	if out, err := run(filepath.Join(dir, "valid.yaml")); err != nil {
		t.Fatalf("valid manifests: %v\n%s", err, out)
	}
	out, err := run(dir)
	if cli.ExitCode(err) != 1 || !strings.Contains(out, "invalid.yaml: v1 ConfigMap default/cfg: rejected") || !strings.Contains(out, ".dta: field not declared in schema") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
}
