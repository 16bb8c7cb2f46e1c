// Package golden checks that every object in the golden files (pkg/convert's and the CLI's)
// is accepted by a real kube-apiserver (server-side apply dry-run, strict field validation),
// with the custom resource definitions berth's output uses installed (Gateway API, AWS Load
// Balancer Controller, External Secrets Operator), so the goldens can never drift into objects
// a cluster would reject.
package golden

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/crds"
)

func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }

// installCRDs installs the vendored CustomResourceDefinitions into c.
func installCRDs(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	if err := crds.Install(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// objectsOf returns the object documents of a golden file: everything before the
// diagnostics and accounts sections the convert tests append.
func objectsOf(data []byte) []byte {
	if i := bytes.Index(data, []byte("--- # diagnostics")); i >= 0 {
		return data[:i]
	}
	return data
}

// goldens maps a case name to its objects: pkg/convert's want.yaml files and the output
// directories of the CLI's golden cases (one file per object, YAML or JSON).
func goldens(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, _ := filepath.Glob("../../pkg/convert/testdata/*/want.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out["convert/"+filepath.Base(filepath.Dir(f))] = objectsOf(data)
	}
	dirs, _ := filepath.Glob("../../internal/cli/testdata/golden/*/want/out")
	for _, d := range dirs {
		var stream bytes.Buffer
		objFiles, _ := filepath.Glob(filepath.Join(d, "*"))
		sort.Strings(objFiles)
		for _, f := range objFiles {
			if ext := filepath.Ext(f); ext != ".yaml" && ext != ".json" {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stream.WriteString("---\n")
			stream.Write(data)
			stream.WriteString("\n")
		}
		out["cli/"+filepath.Base(filepath.Dir(filepath.Dir(d)))] = stream.Bytes()
	}
	return out
}

func TestGoldensPassServerDryRun(t *testing.T) {
	cases := goldens(t)
	if len(cases) == 0 {
		t.Fatal("no golden files found")
	}
	c := cluster.APIServer.Get(t)
	installCRDs(t, c)
	names := slices.Sorted(maps.Keys(cases))
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			objs, err := validate.ParseYAML(cases[name])
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) == 0 {
				t.Fatal("golden has no objects")
			}
			res, err := c.DryRun(context.Background(), objs)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Err(res); err != nil {
				t.Error(err)
			}
		})
	}
}
