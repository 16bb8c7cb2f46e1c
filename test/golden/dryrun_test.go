// Package golden checks that every object in pkg/convert's golden files is accepted by a real
// kube-apiserver (server-side apply dry-run, strict field validation), so the goldens can
// never drift into objects a cluster would reject.
package golden

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

var kube = cluster.NewShared(cluster.Options{Mode: cluster.APIServerOnly})

func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }

// objectsOf returns the object documents of a golden file: everything before the
// diagnostics and accounts sections the convert tests append.
func objectsOf(data []byte) []byte {
	if i := bytes.Index(data, []byte("--- # diagnostics")); i >= 0 {
		return data[:i]
	}
	return data
}

func TestConvertGoldensPassServerDryRun(t *testing.T) {
	files, err := filepath.Glob("../../pkg/convert/testdata/*/want.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	c := kube.Get(t)
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := validate.ParseYAML(objectsOf(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) == 0 {
				t.Fatal("golden file has no objects")
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
