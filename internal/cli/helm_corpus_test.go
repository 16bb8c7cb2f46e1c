package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
)

// TestHelmCorpus converts every corpus Compose file that converts (on its own, and the
// documented base + overlay combinations) into a chart: with its default values the chart
// renders exactly the --format yaml objects (Helm SDK engine), and `helm lint --strict`
// reports nothing. Files corpusFailures lists are left out: they do not convert.
func TestHelmCorpus(t *testing.T) {
	root := corpus.Dir(t, "compose")
	var sets [][]string
	for _, f := range corpus.ComposeFiles(t, root) {
		rel, _ := filepath.Rel(root, f)
		if _, fails := corpusFailures[filepath.ToSlash(rel)]; !fails {
			sets = append(sets, []string{rel})
		}
	}
	for _, c := range corpusCombinations {
		if c.err == "" {
			sets = append(sets, c.files)
		}
	}
	if len(sets) == 0 {
		t.Fatalf("no corpus files under %s", root)
	}
	for _, files := range sets {
		t.Run(strings.Join(files, "+"), func(t *testing.T) {
			var args []string
			for _, f := range files {
				args = append(args, "-f", filepath.Join(root, f))
			}
			checkChartRoundTrip(t, args)
		})
	}
	t.Logf("%d corpus conversions round-tripped and linted as charts", len(sets))
}
