package main

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the module paths the lean berth executable must not link: every linked
// package's init runs at start-up, and these (the Helm SDK, client-go, kubectl, cli-runtime,
// oras, and the OpenAPI validators of the full offline check) cost most of it. They belong in
// berth-cluster. html/template is there for size: executing a template calls methods by name,
// which makes the linker keep every exported method of every type (pkg/report writes its HTML
// page without it). text/template stays linked through cobra, which executes it only for
// custom usage templates.
var forbidden = []string{"helm.sh/", "k8s.io/client-go/", "k8s.io/kubectl/", "k8s.io/cli-runtime/", "oras.land/", "k8s.io/kube-openapi/", "github.com/google/gnostic-models/", "html/template/"}

// allowed are packages under a forbidden path that berth may link: each imports only the
// standard library. k8s.io/apimachinery/pkg/runtime imports kube-openapi's util (type names
// for OpenAPI) since v0.37.
var allowed = map[string]bool{"k8s.io/kube-openapi/pkg/util": true}

// TestLeanImports fails when cmd/berth links a forbidden package, and says which package
// pulls it in.
func TestLeanImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			for _, f := range forbidden {
				if strings.HasPrefix(imp+"/", f) && !isForbidden(pkg) && !allowed[imp] {
					t.Errorf("%s imports %s: berth must not link %s*", pkg, imp, f)
				}
			}
		}
	}
}

// isForbidden reports whether pkg is itself under a forbidden path (its own imports are
// reported through the package that imports it).
func isForbidden(pkg string) bool {
	if allowed[pkg] {
		return false
	}
	for _, f := range forbidden {
		if strings.HasPrefix(pkg+"/", f) {
			return true
		}
	}
	return false
}
