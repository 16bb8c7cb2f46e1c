package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLargeDocument loads a document of more than compose-go's default 100 000 YAML nodes.
func TestLargeDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	var b strings.Builder
	b.WriteString("services:\n  big:\n    image: alpine\n    command:\n")
	const n = 110_000 // one node each
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "      - a%d\n", i)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(app.Service("big").Main().Args); got != n {
		t.Errorf("args = %d, want %d", got, n)
	}
}
