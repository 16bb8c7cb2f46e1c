package ecs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
	goldenfile "github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// parseCorpus parses every corpus task definition on its own and calls fn with its name
// relative to the corpus; it returns how many there are.
func parseCorpus(t *testing.T, fn func(rel string, app *model.App, err error)) int {
	dir := corpus.Dir(t, "ecs")
	files := corpus.TaskFiles(t, dir)
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		app, err := Parse([]Source{NewSource(rel, data)}, nil, Options{Dir: dir})
		fn(rel, app, err)
	}
	return len(files)
}

// positioned fails t unless err is a *diag.Err naming a file (what every load failure is).
func positioned(t *testing.T, err error) {
	t.Helper()
	var de *diag.Err
	if !errors.As(err, &de) {
		t.Fatalf("error is not a *diag.Err: %T %v", err, err)
	}
	if de.Pos.File == "" {
		t.Fatalf("error has no file: %v", err)
	}
}

// TestCorpus loads every real-world task definition: each either loads or is rejected with a
// precise error (file:line:col and field). The per-file outcome is kept in
// testdata/corpus.golden so a change in behaviour shows up as a diff.
func TestCorpus(t *testing.T) {
	var out strings.Builder
	loaded := 0
	files := parseCorpus(t, func(rel string, app *model.App, err error) {
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Errorf("%s: error is not a *diag.Err: %v", rel, err)
			} else if de.Pos.File != rel || de.Pos.Line == 0 || de.Pos.Column == 0 {
				t.Errorf("%s: error has no file:line:col: %v", rel, err)
			}
			fmt.Fprintf(&out, "REJECTED %s\n", err)
			return
		}
		loaded++
		svc := app.Services[0]
		var names []string
		for _, c := range svc.Containers {
			names = append(names, c.Name)
		}
		fmt.Fprintf(&out, "LOADED   %s: service %s, containers [%s], %d volumes, %d fields, %d warnings\n",
			rel, svc.Name, strings.Join(names, " "), len(app.Volumes), len(app.Inputs), app.Diagnostics.Count(diag.Warning))
	})
	fmt.Fprintf(&out, "\n%d files: %d loaded, %d rejected\n", files, loaded, files-loaded)
	t.Log("\n" + out.String())
	goldenfile.AssertBytes(t, filepath.Join("testdata", "corpus.golden"), []byte(out.String()))
}
