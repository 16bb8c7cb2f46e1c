package convert_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
)

// TestGoldenCompose converts the Compose files under testdata/compose-*/ through the real
// loader, so positions and field paths in the accounting are the loader's.
func TestGoldenCompose(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts convert.Options
	}{
		{"compose-features", convert.Options{Domain: "example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join("testdata", tc.name, "compose.yaml")
			app, err := compose.Load(context.Background(), compose.Options{Files: []string{file}, Environ: []string{"PWD=/"}})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			convert.Golden(t, tc.name, app, tc.opts)
		})
	}
}
