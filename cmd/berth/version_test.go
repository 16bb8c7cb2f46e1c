package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestVersionLibraries builds berth and checks that `berth version -o json` names the versions
// of the Compose loader and the Kubernetes API types that go.mod requires.
func TestVersionLibraries(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "berth")
	// berth-cluster beside it: berth version names it and adds its libraries (Helm)
	if out, err := exec.Command("go", "build", "-o", dir+"/", ".", "../berth-cluster").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version", "-o", "json")
	cmd.Env = append(os.Environ(), "BERTH_CLUSTER=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("berth version: %v", err)
	}
	var v struct {
		Libraries map[string]string `json:"libraries"`
		Cluster   struct {
			Path string `json:"path"`
			Same bool   `json:"sameBuild"`
		} `json:"clusterExecutable"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Cluster.Path != filepath.Join(dir, "berth-cluster") || !v.Cluster.Same {
		t.Errorf("berth version: cluster executable %+v, want the same build at %s", v.Cluster, filepath.Join(dir, "berth-cluster"))
	}
	for _, lib := range []string{"github.com/compose-spec/compose-go/v2", "k8s.io/api", "helm.sh/helm/v4"} {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(lib) + ` (v\S+)`).FindSubmatch(gomod)
		if m == nil {
			t.Fatalf("go.mod does not require %s", lib)
		}
		if v.Libraries[lib] != string(m[1]) {
			t.Errorf("berth version: %s %q, go.mod requires %s", lib, v.Libraries[lib], m[1])
		}
	}
}
