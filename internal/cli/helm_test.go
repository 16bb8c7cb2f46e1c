package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/release"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"
)

// TestHelmChartRoundTrip converts every golden case with --format helm, renders the chart with
// its default values through the Helm SDK's engine (under two release names) and compares the
// objects with the plain --format yaml output of the same case; `helm lint --strict` (the
// SDK's) must report nothing, and two conversions must write the same bytes.
func TestHelmChartRoundTrip(t *testing.T) {
	cases := goldenCases(t)
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			checkChartRoundTrip(t, caseArgs(abs))
			first, second := readTree(t, convertChart(t, caseArgs(abs))), readTree(t, convertChart(t, caseArgs(abs)))
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("two conversions differ (-first +second):\n%s", diff)
			}
		})
	}
}

// checkChartRoundTrip converts args as plain YAML and as a chart, and checks that the chart
// renders the plain objects with its default values, passes the schema and strict lint.
func checkChartRoundTrip(t *testing.T, args []string) {
	t.Helper()
	plain := plainDocs(t, args)
	chartDir := convertChart(t, args)
	chrt := loadChart(t, chartDir)
	for _, release := range []string{"rel", "another-release"} {
		docs := renderChart(t, chrt, nil, release)
		if diff := cmp.Diff(objectSet(t, plain), objectSet(t, docs)); diff != "" {
			t.Errorf("release %s: chart renders other objects than the plain output (-plain +chart):\n%s", release, diff)
		}
	}
	lintStrict(t, chartDir, nil)
}

// convertChart runs berth convert --format helm and returns the chart directory.
func convertChart(t *testing.T, args []string, extra ...string) string {
	t.Helper()
	chartDir := filepath.Join(t.TempDir(), "chart")
	all := append(append(append([]string{"convert"}, args...), extra...), "--format", "helm", "-o", chartDir)
	if _, stderr, err := runBerth(t, all...); err != nil {
		t.Fatalf("helm: %v\n%s", err, stderr)
	}
	return chartDir
}

// loadChart loads the chart in dir (ignoring berth's manifest of the files it wrote).
func loadChart(t *testing.T, dir string) *chart.Chart {
	t.Helper()
	var files []*archive.BufferedFile
	var secretValues []byte
	for p, data := range readTree(t, dir) {
		switch p {
		case ".berth-manifest", ".gitignore", ".helmignore":
		case render.SecretValuesFile:
			secretValues = []byte(data) // what berth apply and `helm install -f secret-values.yaml` add
		default:
			files = append(files, &archive.BufferedFile{Name: p, Data: []byte(data)})
		}
	}
	chrt, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if err := release.WithSecretValues(chrt, secretValues); err != nil {
		t.Fatal(err)
	}
	return chrt
}

// renderChart renders chrt with override values (validated against the chart's schema, as
// helm install does) and returns the object documents.
func renderChart(t *testing.T, chrt *chart.Chart, override map[string]any, release string) [][]byte {
	t.Helper()
	vals, err := chartutil.ToRenderValues(chrt, override, common.ReleaseOptions{Name: release, Namespace: "default", IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := engine.Render(chrt, vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var docs [][]byte
	for name, out := range rendered {
		if strings.HasSuffix(name, ".yaml") && strings.TrimSpace(out) != "" {
			docs = append(docs, bytes.TrimSpace([]byte(out)))
		}
	}
	return docs
}

// lintStrict runs what `helm lint --strict` runs (the SDK's linter with schema validation;
// strict fails on warnings): nothing may be reported but Helm's "icon is recommended" (berth
// has no icon for someone else's app).
func lintStrict(t *testing.T, dir string, vals map[string]any) {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join(dir, render.SecretValuesFile)); err == nil {
		var sv map[string]any
		if err := yaml.Unmarshal(data, &sv); err != nil {
			t.Fatal(err)
		}
		vals = chartutil.CoalesceTables(vals, sv) // as with -f secret-values.yaml
	}
	res := lint.RunAll(dir, vals, "default")
	for _, m := range res.Messages {
		if m.Severity == support.InfoSev && strings.Contains(m.Err.Error(), "icon is recommended") {
			continue
		}
		t.Errorf("helm lint --strict: %s", m)
	}
}

// TestHelmChartFlags checks Chart.yaml's name, version and appVersion from the flags and the
// defaults, and the flags' errors.
func TestHelmChartFlags(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	cases := []struct {
		extra []string
		want  map[string]any
	}{
		// example-shop's api, worker and migrate images share tag 1.0.
		{nil, map[string]any{"name": "shop", "version": "0.1.0", "appVersion": "1.0"}},
		{[]string{"--chart-version", "2.3.4-rc.1+build.5", "--app-version", "2026.01"}, map[string]any{"name": "shop", "version": "2.3.4-rc.1+build.5", "appVersion": "2026.01"}},
		{[]string{"-p", "store"}, map[string]any{"name": "store", "version": "0.1.0", "appVersion": "1.0"}},
	}
	for _, c := range cases {
		chrt := loadChart(t, convertChart(t, caseArgs(abs), c.extra...))
		got := map[string]any{"name": chrt.Metadata.Name, "version": chrt.Metadata.Version, "appVersion": chrt.Metadata.AppVersion}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%v: Chart.yaml (-want +got):\n%s", c.extra, diff)
		}
	}
	// No tag stands out (postgres:16, redis:7): no appVersion rather than a guess.
	dir := t.TempDir()
	compose := "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	if app := loadChart(t, convertChart(t, []string{"-f", filepath.Join(dir, "compose.yaml")})).Metadata.AppVersion; app != "" {
		t.Errorf("appVersion %q, want none when no tag stands out", app)
	}
	errs := map[string][]string{
		"want a SemVer 2 version": {"--format", "helm", "-o", t.TempDir() + "/c", "--chart-version", "1.2"},
		"needs --format helm":     {"--stdout", "--app-version", "1.0"},
	}
	for want, args := range errs {
		_, _, err := runBerth(t, append(append([]string{"convert"}, caseArgs(abs)...), args...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want %q", args, err, want)
		}
	}
}
