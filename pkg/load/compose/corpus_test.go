package compose

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/diag"
)

// corpusCombos are the multi-file setups the corpus projects document (fragments that are
// not meant to load on their own).
var corpusCombos = [][]string{
	{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/curator/curator-compose.yml"},
	{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/filebeat/filebeat-compose.yml"},
	{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/fleet/fleet-compose.yml", "docker-elk/docker-elk/extensions/fleet/agent-apmserver-compose.yml"},
	{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/heartbeat/heartbeat-compose.yml"},
	{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/metricbeat/metricbeat-compose.yml"},
	{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.full.yaml",
		"opentelemetry-demo/opentelemetry-demo/compose.observability.yaml", "opentelemetry-demo/opentelemetry-demo/compose.extras.yaml"},
	{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.full.yaml",
		"opentelemetry-demo/opentelemetry-demo/compose.observability.yaml", "opentelemetry-demo/opentelemetry-demo/compose.agent.yaml",
		"opentelemetry-demo/opentelemetry-demo/compose.extras.yaml"},
	{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.full.yaml",
		"opentelemetry-demo/opentelemetry-demo/compose.observability.yaml", "opentelemetry-demo/opentelemetry-demo/compose.profiling.yaml"},
	{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.full.yaml", "opentelemetry-demo/opentelemetry-demo/compose.tests.yaml"},
}

// TestCorpus loads every real-world Compose file on its own (as `docker compose -f FILE`
// would, with an empty process environment): each loads, or fails with one precise error
// naming file and line. The outcomes are kept in testdata/corpus.golden so that a change in
// behaviour shows up as a diff.
func TestCorpus(t *testing.T) {
	dir := corpus.Dir(t, "compose")
	var out strings.Builder
	loaded := 0
	for _, f := range corpus.ComposeFiles(t, dir) {
		rel, _ := filepath.Rel(dir, f)
		app, err := Load(context.Background(), Options{Files: []string{f}, Environ: []string{"PWD=" + filepath.Dir(f)}})
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) || de.Pos.File == "" || de.Field != "" && de.Pos.Line == 0 {
				t.Errorf("%s: error without a file:line position: %v", rel, err)
			}
			fmt.Fprintf(&out, "%s: error: %s\n", rel, err)
			continue
		}
		loaded++
		if len(app.Inputs) == 0 {
			t.Errorf("%s: no input fields", rel)
		}
		checkInvariants(t, rel, app)
		fmt.Fprintf(&out, "%s: loaded: %d services, %d inputs, %d warnings\n", rel, len(app.Services), len(app.Inputs), app.Diagnostics.Count(diag.Warning))
	}
	t.Logf("%d files loaded", loaded)
	for _, c := range corpusCombos {
		files := make([]string, len(c))
		for i, f := range c {
			files[i] = filepath.Join(dir, f)
		}
		app, err := Load(context.Background(), Options{Files: files, Environ: []string{"PWD=" + filepath.Dir(files[0])}})
		name := strings.Join(c, " + ")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			fmt.Fprintf(&out, "%s: error: %s\n", name, err)
			continue
		}
		checkInvariants(t, name, app)
		fmt.Fprintf(&out, "%s: loaded: %d services, %d inputs, %d warnings\n", name, len(app.Services), len(app.Inputs), app.Diagnostics.Count(diag.Warning))
	}
	golden.AssertBytes(t, filepath.Join("testdata", "corpus.golden"), []byte(out.String()))
}
