package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/render"
	"github.com/google/go-cmp/cmp"
	h3loader "helm.sh/helm/v3/pkg/chart/loader"
	h3chartutil "helm.sh/helm/v3/pkg/chartutil"
	h3engine "helm.sh/helm/v3/pkg/engine"
	h3lint "helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"
)

// TestHelmChartHelm3AndHelm4 converts every golden case with --format helm (a chart of
// apiVersion v2) and renders it as `helm template DIR -f secret-values.yaml` does with the
// Helm 3 SDK (v3.21, the newest v3) and with the Helm 4 SDK berth links: both load the chart
// directory (.helmignore honoured), render the same files with the same bytes, and their
// strict lints report the same messages (nothing but "icon is recommended").
func TestHelmChartHelm3AndHelm4(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			chartDir := convertChart(t, caseArgs(abs))
			var secretValues map[string]any
			if data, ok := readTree(t, chartDir)[render.SecretValuesFile]; ok {
				if err := yaml.Unmarshal([]byte(data), &secretValues); err != nil {
					t.Fatal(err)
				}
			}

			c4, err := loader.LoadDir(chartDir)
			if err != nil {
				t.Fatalf("helm 4: %v", err)
			}
			if c4.Metadata.APIVersion != "v2" {
				t.Fatalf("chart apiVersion %q, want v2 (Helm 3 reads no other)", c4.Metadata.APIVersion)
			}
			v4, err := chartutil.ToRenderValues(c4, secretValues, common.ReleaseOptions{Name: "rel", Namespace: "default", IsInstall: true}, common.DefaultCapabilities)
			if err != nil {
				t.Fatalf("helm 4: values: %v", err)
			}
			out4, err := engine.Render(c4, v4)
			if err != nil {
				t.Fatalf("helm 4: %v", err)
			}

			c3, err := h3loader.LoadDir(chartDir)
			if err != nil {
				t.Fatalf("helm 3: %v", err)
			}
			v3, err := h3chartutil.ToRenderValues(c3, secretValues, h3chartutil.ReleaseOptions{Name: "rel", Namespace: "default", IsInstall: true}, h3chartutil.DefaultCapabilities)
			if err != nil {
				t.Fatalf("helm 3: values: %v", err)
			}
			out3, err := h3engine.Render(c3, v3)
			if err != nil {
				t.Fatalf("helm 3: %v", err)
			}

			objects := 0
			for name, doc := range out4 {
				if strings.HasSuffix(name, ".yaml") && strings.TrimSpace(doc) != "" {
					objects++
				}
			}
			if objects == 0 {
				t.Fatal("helm 4 rendered no objects")
			}
			if diff := cmp.Diff(out3, out4); diff != "" {
				t.Errorf("Helm 3 and Helm 4 render differently (-helm3 +helm4):\n%s", diff)
			}

			var lint3, lint4 []string
			for _, m := range h3lint.AllWithKubeVersionAndSchemaValidation(chartDir, secretValues, "default", nil, false).Messages {
				lint3 = append(lint3, m.Error())
			}
			for _, m := range lint.RunAll(chartDir, secretValues, "default").Messages {
				lint4 = append(lint4, m.Error())
			}
			if diff := cmp.Diff(lint3, lint4); diff != "" {
				t.Errorf("Helm 3 and Helm 4 lint differently (-helm3 +helm4):\n%s", diff)
			}
			for _, m := range lint4 {
				if !strings.Contains(m, "icon is recommended") {
					t.Errorf("helm lint --strict: %s", m)
				}
			}
		})
	}
}
