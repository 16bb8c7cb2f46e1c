package validate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/berth-dev/berth/pkg/validate/internal/schemagen"
	"github.com/berth-dev/berth/test/cluster"
)

// The embedded schemas of the harness's Kubernetes version are exactly what its apiserver
// serves today: a version bump of the harness without `go generate ./pkg/validate` fails here.
func TestEmbeddedSchemasAreCurrent(t *testing.T) {
	c := cluster.APIServer.Get(t)
	dir, files, err := schemagen.Capture(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob(filepath.Join("schemas", dir, "*.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) == 0 {
		t.Fatalf("no embedded schemas for the harness's version (%s): run go generate ./pkg/validate", dir)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != len(committed) {
		t.Errorf("apiserver serves %d group-versions, %d embedded: run go generate ./pkg/validate", len(names), len(committed))
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join("schemas", dir, n))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./pkg/validate)", n, err)
			continue
		}
		if !bytes.Equal(got, files[n]) {
			t.Errorf("schemas/%s/%s differs from what the apiserver serves: run go generate ./pkg/validate", dir, n)
		}
	}
}
