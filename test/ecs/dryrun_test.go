// Package ecs proves that converted ECS task definitions are accepted by a real
// kube-apiserver: every corpus file the loader accepts and every loader golden case, in both
// secret modes, passes a server-side apply dry-run with strict field validation, with the
// External Secrets Operator's CRDs installed.
package ecs

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/ecs"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }

// input is one ECS app to check.
type input struct {
	name     string
	files    []ecs.Source
	services []ecs.Source
	family   string
}

// corpusInputs are the corpus files (../shared/corpus/ecs from the module root).
func corpusInputs(t *testing.T) []input {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "ecs")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(files) == 0 {
		t.Logf("corpus not present at %s: only the loader's cases are checked", dir)
	}
	sort.Strings(files)
	var out []input
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		out = append(out, input{name: rel, files: []ecs.Source{ecs.NewSource(rel, data)}})
	}
	return out
}

// caseInputs are the loader's golden cases (pkg/load/ecs/testdata/<case>/).
func caseInputs(t *testing.T) []input {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "pkg", "load", "ecs", "testdata", "*"))
	sort.Strings(dirs)
	var out []input
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		in := input{name: filepath.Base(d)}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			switch n := e.Name(); {
			case n == "family":
				in.family = string(data[:len(data)-1])
			case filepath.Ext(n) != ".json" && filepath.Ext(n) != ".yaml":
			case len(n) >= 7 && n[:7] == "service":
				in.services = append(in.services, ecs.NewSource(n, data))
			default:
				in.files = append(in.files, ecs.NewSource(n, data))
			}
		}
		if len(in.files) > 0 {
			out = append(out, in)
		}
	}
	return out
}

func TestConvertedECSPassServerDryRun(t *testing.T) {
	inputs := append(caseInputs(t), corpusInputs(t)...)
	if len(inputs) == 0 {
		t.Fatal("no ECS inputs found")
	}
	c := cluster.APIServer.Get(t)
	ctx := context.Background()
	crds, _ := filepath.Glob(filepath.Join("testdata", "eso-v2.9.0", "*.yaml"))
	for _, f := range crds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := validate.ParseYAML(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.InstallCRDs(ctx, objs); err != nil {
			t.Fatalf("install %s: %v", f, err)
		}
	}
	checked := 0
	for _, in := range inputs {
		app, err := ecs.Parse(in.files, in.services, ecs.Options{Family: in.family})
		if err != nil {
			continue // rejected input: the loader's corpus test checks the error
		}
		for _, mode := range []string{convert.SecretsExternal, convert.SecretsPlaceholder} {
			t.Run(in.name+"/"+mode, func(t *testing.T) {
				dryRun(t, c, app, mode)
			})
			checked++
		}
	}
	t.Logf("%d conversions passed the dry-run check", checked)
}

func dryRun(t *testing.T, c *cluster.Cluster, app *model.App, mode string) {
	res, err := convert.Convert(app, convert.Options{Secrets: mode})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := render.ForName(render.YAML)
	y, err := f.Stream(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	results, err := c.DryRunYAML(context.Background(), y)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Err(results); err != nil {
		t.Errorf("%v\n%s", err, y)
	}
}
