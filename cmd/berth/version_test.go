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
	bin := filepath.Join(t.TempDir(), "berth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("berth version: %v", err)
	}
	var v struct {
		Libraries map[string]string `json:"libraries"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{"github.com/compose-spec/compose-go/v2", "k8s.io/api"} {
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(lib) + ` (v\S+)`).FindSubmatch(gomod)
		if m == nil {
			t.Fatalf("go.mod does not require %s", lib)
		}
		if v.Libraries[lib] != string(m[1]) {
			t.Errorf("berth version: %s %q, go.mod requires %s", lib, v.Libraries[lib], m[1])
		}
	}
}
