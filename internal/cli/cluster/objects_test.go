package cluster

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/render"
)

// `berth apply -f compose.yaml` and `berth apply --from DIR` (DIR written by berth convert
// from the same file) must send the server the same objects: the same apply patches, so the
// same field ownership. Both read objects through one conversion (render.Unstructured).
func TestApplyObjectsSameFromFileAndDir(t *testing.T) {
	in := cli.ConvertFlags{Files: []string{filepath.Join("..", "..", "..", "examples", "shop", "compose.yaml")}, Environ: []string{}}
	res, _, err := in.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := unstructuredObjects(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	yamlFormat, err := render.ForName(render.YAML)
	if err != nil {
		t.Fatal(err)
	}
	files, err := yamlFormat.Dir(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files {
		golden.WriteFile(t, filepath.Join(dir, f.Path), f.Data)
	}
	fromDir, err := apply.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := func(u *unstructured.Unstructured) string {
		return u.GetKind() + "/" + u.GetNamespace() + "/" + u.GetName()
	}
	// the patch as the server receives it: JSON (numbers read from YAML are float64 in the
	// maps, int64 in converted ones; on the wire both are the same digits)
	wire := func(u *unstructured.Unstructured) string {
		b, err := json.MarshalIndent(apply.Patch(u).Object, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := map[string]string{}
	for _, u := range fromDir {
		want[key(u)] = wire(u)
	}
	if len(fromFile) != len(fromDir) || len(fromFile) < 10 {
		t.Fatalf("%d objects from the file, %d from the directory", len(fromFile), len(fromDir))
	}
	for _, u := range fromFile {
		if d := cmp.Diff(want[key(u)], wire(u)); d != "" {
			t.Errorf("%s: the patch from -f differs from the one from --from DIR (-dir +file):\n%s", key(u), d)
		}
	}
}
