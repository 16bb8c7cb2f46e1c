package convert_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/compose"
)

// FuzzConvert proves Convert never panics on anything the Compose loader accepts: it converts
// or fails with a *diag.Err. Run it with:
// go test ./pkg/convert -run '^$' -fuzz FuzzConvert -fuzztime 2m
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "compose.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "load", "compose", "testdata", "*", "compose.yaml"))
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: postgres\n    ports: ['5432']\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		app, err := compose.Load(context.Background(), compose.Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
		if err != nil {
			return
		}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *diag.Err", err, err)
			}
			return
		}
		if len(res.Objects) == 0 {
			t.Fatal("converted without any object (not even the Namespace)")
		}
	})
}
