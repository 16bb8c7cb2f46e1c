// Package compose proves that converted Compose files are accepted by a real kube-apiserver:
// every corpus file (../shared/corpus/compose from the module root) that berth converts on
// its own passes a server-side apply dry-run with strict field validation. The test prints,
// per file, the objects, how many the server accepted and rejected (with its messages), and
// the pass rate over the corpus.
package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }

// corpusFiles lists the corpus's Compose project files (../shared/corpus/compose), or skips.
func corpusFiles(t *testing.T) (string, []string) {
	dir := corpus.Dir(t, "compose")
	return dir, corpus.ProjectFiles(t, dir)
}

func TestComposeCorpusPassesServerDryRun(t *testing.T) {
	dir, files := corpusFiles(t)
	c := cluster.APIServer.Get(t)
	ctx := context.Background()
	var converted, objects, accepted, rejected int
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		in := cli.ConvertFlags{Files: []string{f}, Environ: []string{}}
		if err := in.Validate(); err != nil {
			t.Logf("skip  %s: %v", rel, err)
			continue
		}
		res, _, err := in.Run(ctx)
		if err != nil {
			// which files must convert is the loader's corpus test's business
			t.Logf("skip  %s: does not convert on its own", rel)
			continue
		}
		yaml, err := render.ForName(render.YAML)
		if err != nil {
			t.Fatal(err)
		}
		stream, err := yaml.Stream(res.Objects)
		if err != nil {
			t.Fatalf("%s: render: %v", rel, err)
		}
		objs, err := validate.ParseYAML(stream)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		results, err := c.DryRun(ctx, objs)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		s := validate.Summarize(results)
		converted++
		objects += s.Objects
		accepted += s.Accepted - s.Warned
		rejected += s.Rejected + s.Warned
		t.Logf("%-5s %s: %d objects, %d accepted, %d rejected", verdict(s), rel, s.Objects, s.Accepted-s.Warned, s.Rejected+s.Warned)
		if err := validate.Err(results); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
	rate := 100.0
	if objects > 0 {
		rate = 100 * float64(accepted) / float64(objects)
	}
	t.Logf("%s", fmt.Sprintf("corpus dry-run: %d of %d files converted; %d objects, %d accepted, %d rejected (%.1f%% accepted)",
		converted, len(files), objects, accepted, rejected, rate))
	if converted == 0 {
		t.Error("no corpus file converted")
	}
}

func verdict(s validate.Summary) string {
	if s.Rejected+s.Warned > 0 {
		return "FAIL"
	}
	return "ok"
}
