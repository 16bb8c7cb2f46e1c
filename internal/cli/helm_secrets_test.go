package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/render"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
)

// TestHelmChartHoldsNoSecretData converts the golden case with Secrets to a chart: no file
// but the git-ignored secret-values.yaml holds a secret value, and rendering without it fails
// with a message naming the missing key.
func TestHelmChartHoldsNoSecretData(t *testing.T) {
	abs, _ := filepath.Abs(filepath.Join("testdata", "golden", "config-secrets"))
	args := caseArgs(abs)
	values := secretValuesOf(t, plainDocs(t, args))
	if len(values) == 0 {
		t.Fatal("the case has no secret values")
	}
	dir := convertChart(t, args)
	tree := readTree(t, dir)
	for path, data := range tree {
		if path == render.SecretValuesFile {
			continue
		}
		for _, v := range values {
			if strings.Contains(data, v) {
				t.Errorf("%s holds secret value %q", path, v)
			}
		}
	}
	if !strings.Contains(tree[".gitignore"], "/"+render.SecretValuesFile+"\n") || !strings.Contains(tree[".helmignore"], render.SecretValuesFile+"\n") {
		t.Errorf(".gitignore %q and .helmignore %q must both list %s", tree[".gitignore"], tree[".helmignore"], render.SecretValuesFile)
	}
	chrt, err := loader.LoadDir(dir) // as helm template does: .helmignore leaves secret-values.yaml out
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(chrt, nil, common.ReleaseOptions{Name: "rel", Namespace: "default", IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.Render(chrt, vals)
	if err == nil || !strings.Contains(err.Error(), "no value for key") || !strings.Contains(err.Error(), "secret-values.yaml") {
		t.Errorf("rendering without secret values: err = %v, want a failure naming the missing key and secret-values.yaml", err)
	}
}
