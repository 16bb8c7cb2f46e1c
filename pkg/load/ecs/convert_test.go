package ecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	goldenfile "github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
)

// These tests run the ECS loader through the real conversion, rendering and report: the
// loader's field paths must be the ones the report accounts for.

// convertApp converts and renders app twice; the two renderings must be byte-identical.
func convertApp(t *testing.T, app *model.App, opts convert.Options) (*convert.Result, []byte) {
	t.Helper()
	var out [2][]byte
	var res *convert.Result
	for i := range out {
		r, err := convert.Convert(app, opts)
		if err != nil {
			t.Fatalf("convert: %v", err)
		}
		f, _ := render.ForName(render.YAML)
		b, err := f.Stream(r.Objects)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		out[i], res = b, r
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("two conversions of the same input differ")
	}
	return res, out[0]
}

// unhandled lists the input fields no rule accounted for.
func unhandled(res *convert.Result) []string {
	var out []string
	for _, a := range res.Accounts {
		if a.Outcome == diag.Unhandled {
			out = append(out, a.Path)
		}
	}
	return out
}

// TestCorpusConvert converts every corpus task definition the loader accepts: the conversion
// succeeds, renders deterministically, and the report accounts for every input field of every
// container (no field is left "unhandled"). The per-file outcome is in
// testdata/corpus-convert.golden.
func TestCorpusConvert(t *testing.T) {
	var out strings.Builder
	converted := 0
	files := parseCorpus(t, func(rel string, app *model.App, err error) {
		if err != nil {
			fmt.Fprintf(&out, "REJECTED  %s\n", err)
			return
		}
		res, _ := convertApp(t, app, convert.Options{})
		if u := unhandled(res); len(u) > 0 {
			t.Errorf("%s: fields without an outcome in the report: %s", rel, strings.Join(u, ", "))
		}
		converted++
		fmt.Fprintf(&out, "CONVERTED %s: %s; %s; %d warnings\n", rel, layout(res), kinds(res), res.Diagnostics.Count(diag.Warning))
	})
	fmt.Fprintf(&out, "\n%d files: %d converted, %d rejected\n", files, converted, files-converted)
	t.Log("\n" + out.String())
	goldenfile.AssertBytes(t, filepath.Join("testdata", "corpus-convert.golden"), []byte(out.String()))
}

// layout describes the pod of the first workload: containers, init containers, sidecars.
func layout(res *convert.Result) string {
	for _, o := range res.Objects {
		m, err := render.Unstructured(o)
		if err != nil {
			continue
		}
		spec := podSpec(m)
		if spec == nil {
			continue
		}
		var parts []string
		for _, key := range []string{"initContainers", "containers"} {
			list, _ := spec[key].([]any)
			for _, c := range list {
				cm, _ := c.(map[string]any)
				name := fmt.Sprint(cm["name"])
				switch {
				case key == "containers":
				case cm["restartPolicy"] == "Always":
					name += "(sidecar)"
				default:
					name += "(init)"
				}
				parts = append(parts, name)
			}
		}
		return o.GetObjectKind().GroupVersionKind().Kind + " [" + strings.Join(parts, " ") + "]"
	}
	return "no workload"
}

func podSpec(m map[string]any) map[string]any {
	spec, _ := m["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	ps, _ := tmpl["spec"].(map[string]any)
	return ps
}

// kinds counts the objects by kind.
func kinds(res *convert.Result) string {
	n := map[string]int{}
	for _, o := range res.Objects {
		n[o.GetObjectKind().GroupVersionKind().Kind]++
	}
	var parts []string
	for _, k := range sortedKeys2(n) {
		parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys2(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}

// TestConvertGolden renders each testdata case's objects to testdata/<case>/objects.golden.
func TestConvertGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "*"))
	sort.Strings(dirs)
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "fuzz" {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			app, err := loadCase(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			res, y := convertApp(t, app, convert.Options{})
			if u := unhandled(res); len(u) > 0 {
				t.Errorf("fields without an outcome: %s", strings.Join(u, ", "))
			}
			var diags strings.Builder
			for _, d := range res.Diagnostics {
				fmt.Fprintf(&diags, "%s: %s\n", d.Severity, d)
			}
			goldenfile.AssertBytes(t, filepath.Join(dir, "objects.golden"), append(y, []byte("# diagnostics\n"+diags.String())...))
		})
	}
}

// TestSecretsStayReferences converts a task with Secrets Manager and SSM references (and a
// registry credential) in both secret modes: the references appear only in ExternalSecrets,
// never in a ConfigMap, a Secret, a diagnostic or the report; placeholder Secrets are empty.
func TestSecretsStayReferences(t *testing.T) {
	forbidden := []string{"arn:aws:secretsmanager", "arn:aws:ssm", "123456789012:secret", "parameter/prod/token", "overridden-by-the-secret"}
	for _, mode := range []string{convert.SecretsExternal, convert.SecretsPlaceholder} {
		t.Run(mode, func(t *testing.T) {
			app, err := loadCase(t, filepath.Join("testdata", "secrets"))
			if err != nil {
				t.Fatal(err)
			}
			res, _ := convertApp(t, app, convert.Options{Secrets: mode})
			externals := 0
			for _, o := range res.Objects {
				kind := o.GetObjectKind().GroupVersionKind().Kind
				m, err := render.Unstructured(o)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(m)
				if kind == "ExternalSecret" {
					externals++
					continue
				}
				for _, f := range forbidden {
					if bytes.Contains(b, []byte(f)) {
						t.Errorf("%s %s contains %q:\n%s", kind, o.GetName(), f, b)
					}
				}
				if kind == "Secret" && mode == convert.SecretsPlaceholder && strings.Contains(o.GetName(), "external") {
					for k, v := range m["stringData"].(map[string]any) {
						if v != "" {
							t.Errorf("placeholder Secret %s key %s has a value", o.GetName(), k)
						}
					}
				}
			}
			if want := map[string]int{convert.SecretsExternal: 2, convert.SecretsPlaceholder: 0}[mode]; externals != want {
				t.Errorf("got %d ExternalSecrets, want %d", externals, want)
			}
			rep := report.Build(app, res, report.NewRedactor(app, res.Objects))
			for _, format := range []string{"markdown", "json"} {
				b, err := report.Render(rep, format)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range forbidden {
					if bytes.Contains(b, []byte(f)) {
						t.Errorf("%s report contains %q", format, f)
					}
				}
			}
			for _, d := range res.Diagnostics {
				for _, f := range forbidden {
					if strings.Contains(d.String(), f) {
						t.Errorf("diagnostic contains %q: %s", f, d)
					}
				}
			}
		})
	}
}
