package golden

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/release"
	brender "github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
)

// TestHelmChartsWithChangedValuesPassServerDryRun converts every CLI golden case into a Helm
// chart, changes every value the chart offers (replicas, images, pull policies, resources,
// probes off, env, Service types and ports, Ingress hosts/classes/TLS/annotations, volume
// sizes and classes, pod and common labels and annotations, the namespace, existing Secrets,
// Secret data),
// renders it through the Helm SDK's engine (schema checked, as helm install does) and
// server-side dry-runs the objects on the test control plane with strict field validation.
func TestHelmChartsWithChangedValuesPassServerDryRun(t *testing.T) {
	cases, err := filepath.Glob("../../internal/cli/testdata/golden/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases (%v)", err)
	}
	c := cluster.APIServer.Get(t)
	installCRDs(t, c) // Gateway API, AWS LBC, ESO: the cases' custom resources
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			chrt := convertChart(t, dir)
			defaults := render(t, chrt, nil)
			// Secrets: once replaced by existing ones, once with other data.
			for _, existing := range []bool{true, false} {
				changed := deepCopy(chrt.Values).(map[string]any)
				changeValues(changed, "", existing)
				got := render(t, chrt, changed)
				if bytes.Equal(defaults, got) {
					t.Fatal("changed values render the same objects")
				}
				res, err := c.DryRunYAML(context.Background(), got)
				if err != nil {
					t.Fatal(err)
				}
				if err := validate.Err(res); err != nil {
					t.Errorf("existing secrets %v: %v", existing, err)
				}
			}
		})
	}
}

// convertChart runs berth convert --format helm on a CLI golden case.
func convertChart(t *testing.T, caseDir string) *chart.Chart {
	t.Helper()
	abs, _ := filepath.Abs(caseDir)
	args := []string{"convert"}
	if extra, err := os.ReadFile(filepath.Join(abs, "args")); err == nil {
		for _, a := range strings.Fields(string(extra)) {
			args = append(args, strings.ReplaceAll(a, "$CASE", abs))
		}
	}
	if !slices.Contains(args, "-f") {
		args = append(args, "-f", filepath.Join(abs, "compose.yaml"))
	}
	out := filepath.Join(t.TempDir(), "chart")
	var stdout, stderr bytes.Buffer
	root := cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr, Environ: []string{}}, cli.Cluster{})
	root.SetArgs(append(args, "--format", "helm", "-o", out))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	chrt, err := loader.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	// the Secret data the chart's templates do not hold, as helm install -f secret-values.yaml
	sv, err := os.ReadFile(filepath.Join(out, brender.SecretValuesFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := release.WithSecretValues(chrt, sv); err != nil {
		t.Fatal(err)
	}
	return chrt
}

// render renders chrt's objects with values over its defaults (checked against its schema)
// as one YAML stream in template order.
func render(t *testing.T, chrt *chart.Chart, values map[string]any) []byte {
	t.Helper()
	vals, err := chartutil.ToRenderValues(chrt, values, common.ReleaseOptions{Name: "golden", Namespace: "default", IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(chrt, vals)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(out))
	for n := range out {
		if strings.HasSuffix(n, ".yaml") && strings.TrimSpace(out[n]) != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString("---\n" + strings.TrimSpace(out[n]) + "\n")
	}
	return b.Bytes()
}

// changeValues changes every value below v (parent is its key) to another valid value;
// existing says whether Secrets are replaced by existing ones or get other data.
func changeValues(v map[string]any, parent string, existing bool) {
	for k, c := range v {
		switch k {
		case "commonLabels", "commonAnnotations", "podLabels", "podAnnotations", "annotations":
			m, _ := c.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m["example.com/changed"] = "yes"
			v[k] = m
			continue
		case "env":
			c.(map[string]any)["CHANGED"] = "1"
			continue
		case "requests":
			c.(map[string]any)["cpu"] = "123m"
			if l, ok := v["limits"].(map[string]any); ok && l["cpu"] != nil {
				l["cpu"] = "1" // a limit below the new request would be invalid
			}
			continue
		case "limits":
			c.(map[string]any)["memory"] = "321Mi"
			if r, ok := v["requests"].(map[string]any); ok && r["memory"] != nil {
				r["memory"] = "123Mi" // a request above the new limit would be invalid
			}
			continue
		case "ports":
			for p, n := range c.(map[string]any) {
				port := int(toFloat(n)) + 1
				if port > 65535 {
					port = 1
				}
				c.(map[string]any)[p] = port
			}
			continue
		}
		if m, ok := c.(map[string]any); ok {
			changeValues(m, k, existing)
			continue
		}
		v[k] = changedLeaf(k, parent, c, existing)
	}
}

func changedLeaf(key, parent string, old any, existing bool) any {
	switch key {
	case "replicas":
		return toFloat(old) + 1
	case "tag":
		return "changed"
	case "pullPolicy":
		return "Always"
	case "size":
		return "7Gi"
	case "storageClass":
		return "standard"
	case "host":
		return "changed.example.test"
	case "className":
		return "changed"
	case "tlsSecret":
		return "changed-tls"
	case "type":
		return "LoadBalancer"
	case "namespaceOverride":
		return "helm-changed-namespace"
	case "existingSecret":
		if existing {
			return "changed-secret"
		}
		return ""
	case "enabled":
		return parent == "ingress" // probes off, Ingresses kept
	}
	switch {
	case parent == "data" && key == ".dockerconfigjson":
		return base64.StdEncoding.EncodeToString([]byte(`{"auths":{"registry.example.test":{"auth":"dTpw"}}}`))
	case parent == "data":
		return base64.StdEncoding.EncodeToString([]byte("changed secret value"))
	case parent == "stringData" && key == ".dockerconfigjson":
		return `{"auths":{"registry.example.test":{"auth":"dTpw"}}}`
	case parent == "stringData":
		return "changed secret value"
	}
	return old
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return 0
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = deepCopy(c)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, c := range x {
			l[i] = deepCopy(c)
		}
		return l
	}
	return v
}
