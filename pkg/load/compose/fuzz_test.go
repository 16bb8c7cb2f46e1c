package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
)

// FuzzLoad proves Load never panics: any input loads or fails with a *diag.Err.
// Run it with: go test ./pkg/load/compose -run '^$' -fuzz FuzzLoad -fuzztime 2m
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "compose.yaml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "errors", "*", "compose.yaml"))
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *diag.Err", err, err)
			}
			return
		}
		if app.Name == "" {
			t.Fatal("loaded app without a name")
		}
	})
}
