package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
)

// corpusFailures are the corpus files that must fail, each with the reason it is right to
// fail and a regular expression the error must match. A file listed here that converts fails the test
// too, so the list stays true.
var corpusFailures = map[string]struct{ why, err string }{
	// ${LOCALSTACK_AUTH_TOKEN:?...}: docker compose refuses it too without the variable.
	"localstack/localstack/docker-compose-pro.yml": {"required variable unset", "required variable LOCALSTACK_AUTH_TOKEN is not set"},
	// docker-elk extensions are overlays for docker-compose.yml (the network elk is defined
	// there); corpusCombinations converts them the documented way.
	"docker-elk/docker-elk/extensions/curator/curator-compose.yml":       {"overlay of docker-compose.yml", elkOverlay},
	"docker-elk/docker-elk/extensions/filebeat/filebeat-compose.yml":     {"overlay of docker-compose.yml", elkOverlay},
	"docker-elk/docker-elk/extensions/fleet/agent-apmserver-compose.yml": {"overlay of docker-compose.yml", elkOverlay},
	"docker-elk/docker-elk/extensions/fleet/fleet-compose.yml":           {"overlay of docker-compose.yml", elkOverlay},
	"docker-elk/docker-elk/extensions/heartbeat/heartbeat-compose.yml":   {"overlay of docker-compose.yml", elkOverlay},
	"docker-elk/docker-elk/extensions/metricbeat/metricbeat-compose.yml": {"overlay of docker-compose.yml", elkOverlay},
	// The OpenTelemetry demo's compose.*.yaml files are overlays of compose.yaml.
	"opentelemetry-demo/opentelemetry-demo/compose.agent.yaml":  {"overlay of compose.yaml", `depends on "otel-collector", which is not a service`},
	"opentelemetry-demo/opentelemetry-demo/compose.extras.yaml": {"an empty overlay", "the file is empty"},
	// Several services lack an image; which one the error names varies between runs (compose-go
	// validates in map order), so only the message is checked.
	"opentelemetry-demo/opentelemetry-demo/compose.full.yaml":          {"overlay: images are in compose.yaml", ": needs an image or a build section"},
	"opentelemetry-demo/opentelemetry-demo/compose.observability.yaml": {"overlay: images are in compose.yaml", ": needs an image or a build section"},
	"opentelemetry-demo/opentelemetry-demo/compose.profiling.yaml":     {"overlay of compose.yaml", `depends on "otel-collector", which is not a service`},
	"opentelemetry-demo/opentelemetry-demo/compose.tests.yaml":         {"overlay of compose.yaml", `depends on "frontend", which is not a service`},
}

// elkOverlay: which of the two faults compose-go reports first varies between runs.
const elkOverlay = `network "elk" is not defined|depends on "elasticsearch", which is not a service`

// corpusCombinations are overlays converted together with their base, as their projects
// document (`docker compose -f base -f overlay`). An empty error means it must convert.
var corpusCombinations = []struct {
	files    []string
	why, err string
}{
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/curator/curator-compose.yml"}},
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/filebeat/filebeat-compose.yml"}},
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/fleet/fleet-compose.yml"}},
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/fleet/fleet-compose.yml", "docker-elk/docker-elk/extensions/fleet/agent-apmserver-compose.yml"}},
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/heartbeat/heartbeat-compose.yml"}},
	{files: []string{"docker-elk/docker-elk/docker-compose.yml", "docker-elk/docker-elk/extensions/metricbeat/metricbeat-compose.yml"}},
	{files: []string{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.extras.yaml"}},
	{files: []string{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.profiling.yaml"}},
	{files: []string{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.tests.yaml"}},
	{
		files: []string{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.agent.yaml"},
		why:   "the agent overlay also needs the observability overlay's opamp-server", err: `depends on "opamp-server", which is not a service`,
	},
	// opamp-server declares no port, but its clients name opamp-server:PORT in their environment.
	{files: []string{"opentelemetry-demo/opentelemetry-demo/compose.yaml", "opentelemetry-demo/opentelemetry-demo/compose.observability.yaml"}},
}

// TestCorpusCompose converts every Compose file of the real-world corpus on its own (as
// `berth convert -f FILE`, in an empty environment) and prints each outcome. Every file must
// convert (warnings allowed) or fail exactly as corpusFailures justifies; errors must name the
// file they are about.
func TestCorpusCompose(t *testing.T) {
	root := corpus.Dir(t, "compose")
	files := corpus.ComposeFiles(t, root)
	if len(files) == 0 {
		t.Fatalf("no Compose files under %s", root)
	}
	converted := 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		rel = filepath.ToSlash(rel)
		stdout, stderr, err := runBerth(t, "convert", "-f", f, "--stdout")
		want, mustFail := corpusFailures[rel]
		switch {
		case err == nil && mustFail:
			t.Errorf("%s: converts now, but corpusFailures says it fails (%s): update the list", rel, want.why)
		case err == nil:
			converted++
			t.Logf("ok    %s: %d objects, %d warnings", rel, len(docKind.FindAllString(stdout, -1)), strings.Count(stderr, "warning: "))
		case !mustFail:
			t.Errorf("%s: %v", rel, err)
		case !regexp.MustCompile(want.err).MatchString(err.Error()):
			t.Errorf("%s: error %q, want one containing %q (%s)", rel, err, want.err, want.why)
		default:
			t.Logf("error %s: %v (expected: %s)", rel, err, want.why)
		}
		if err != nil && !strings.Contains(err.Error(), filepath.Base(f)) && !strings.Contains(err.Error(), ".env") {
			t.Errorf("%s: error does not name the file: %v", rel, err)
		}
	}
	t.Logf("%d of %d corpus Compose files converted on their own", converted, len(files))
	for _, c := range corpusCombinations {
		args := []string{"convert", "--stdout"}
		for _, f := range c.files {
			args = append(args, "-f", filepath.Join(root, f))
		}
		name := strings.Join(c.files, " + ")
		stdout, stderr, err := runBerth(t, args...)
		switch {
		case err == nil && c.err == "":
			t.Logf("ok    %s: %d objects, %d warnings", name, len(docKind.FindAllString(stdout, -1)), strings.Count(stderr, "warning: "))
		case err == nil:
			t.Errorf("%s: converts now, but the test says it fails (%s): update the list", name, c.why)
		case c.err == "" || !regexp.MustCompile(c.err).MatchString(err.Error()):
			t.Errorf("%s: %v", name, err)
		default:
			t.Logf("error %s: %v (expected: %s)", name, err, c.why)
		}
	}
}

// docKind matches the kind line of each YAML document in a stream.
var docKind = regexp.MustCompile(`(?m)^kind: `)
