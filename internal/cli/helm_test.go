package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// TestHelmChartRoundTrip converts every golden case with --format helm, renders the chart with
// its default values through the Helm SDK's engine and compares the objects with the plain
// --format yaml output of the same case; the SDK's linter must report no errors.
func TestHelmChartRoundTrip(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			args := caseArgs(abs)
			plainDir := filepath.Join(t.TempDir(), "plain")
			if _, stderr, err := runBerth(t, append(append([]string{"convert"}, args...), "--format", "yaml", "-o", plainDir)...); err != nil {
				t.Fatalf("plain: %v\n%s", err, stderr)
			}
			var plain [][]byte
			for p, data := range readTree(t, plainDir) {
				if strings.HasSuffix(p, ".yaml") {
					plain = append(plain, []byte(data))
				}
			}
			chartDir := filepath.Join(t.TempDir(), "chart")
			if _, stderr, err := runBerth(t, append(append([]string{"convert"}, args...), "--format", "helm", "-o", chartDir)...); err != nil {
				t.Fatalf("helm: %v\n%s", err, stderr)
			}
			var files []*loader.BufferedFile
			for p, data := range readTree(t, chartDir) {
				if p != ".berth-manifest" {
					files = append(files, &loader.BufferedFile{Name: p, Data: []byte(data)})
				}
			}
			chrt, err := loader.LoadFiles(files)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := chartutil.ToRenderValues(chrt, nil, chartutil.ReleaseOptions{Name: "rel", Namespace: "default", IsInstall: true}, chartutil.DefaultCapabilities)
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := engine.Render(chrt, vals)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			var docs [][]byte
			for name, out := range rendered {
				if strings.HasSuffix(name, ".yaml") {
					docs = append(docs, bytes.TrimSpace([]byte(out)))
				}
			}
			if diff := cmp.Diff(objectSet(t, plain), objectSet(t, docs)); diff != "" {
				t.Errorf("chart renders other objects than the plain output (-plain +chart):\n%s", diff)
			}
			linter := lint.All(chartDir, nil, "default", false)
			for _, m := range linter.Messages {
				if m.Severity >= support.ErrorSev {
					t.Errorf("helm lint: %s", m)
				}
			}
		})
	}
}

// TestHelmValuesTakeEffect proves the templates read values.yaml: overriding web's tag and
// replica count changes the rendered Deployment.
func TestHelmValuesTakeEffect(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	chartDir := filepath.Join(t.TempDir(), "chart")
	if _, stderr, err := runBerth(t, append(append([]string{"convert"}, caseArgs(abs)...), "--format", "helm", "-o", chartDir)...); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	chrt, err := loader.LoadDir(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	override := map[string]any{"workloads": map[string]any{"web": map[string]any{
		"replicas":   5,
		"containers": map[string]any{"web": map[string]any{"image": map[string]any{"tag": "1.28-alpine"}}},
	}}}
	vals, err := chartutil.ToRenderValues(chrt, override, chartutil.ReleaseOptions{Name: "rel", Namespace: "default"}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := engine.Render(chrt, vals)
	if err != nil {
		t.Fatal(err)
	}
	web := rendered["shop/templates/16-deployment-web.yaml"]
	if !strings.Contains(web, "replicas: 5") || !strings.Contains(web, `image: "nginx:1.28-alpine"`) {
		t.Errorf("overridden values not rendered:\n%s", web)
	}
}
