package convert_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
)

// Adding a variable to one service leaves every object of another service byte-identical: its
// workload, its own env objects and the shared objects it reads. Shared env objects are named
// after their env file, never after who shares them (docs/config-and-storage.md).
func TestEnvAddingVariableLeavesOthers(t *testing.T) {
	base := `
name: shop
services:
  a:
    image: acme/a:1.0.0
    env_file: [common.env, a.env]
    environment:
      SAME: "1"
      OWN_A: a
  b:
    image: acme/b:1.0.0
    env_file: [common.env]
    environment:
      SAME: "1"
      OWN_B: b
      B_TOKEN: b-0123456789abcdef
  c:
    image: acme/c:1.0.0
    env_file: [common.env]
`
	files := map[string]string{"common.env": "LOG_LEVEL=info\nAPI_TOKEN=t-0123456789abcdef\nMODE=file\n", "a.env": "A_ONLY=1\n"}
	for _, c := range []struct{ name, add string }{
		{"a new variable", "      NEW: x\n"},
		{"a pair b sets too", "      OWN_B: b\n"},
		{"a secret b sets too", "      B_TOKEN: b-0123456789abcdef\n"},
		{"an override of a file variable", "      MODE: mine\n"},
		{"a variable c's file has", "      LOG_LEVEL: info\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := objectsOf(t, convertFiles(t, with(files, base), convert.Options{}), "b")
			changed := strings.Replace(base, "      OWN_A: a\n", "      OWN_A: a\n"+c.add, 1)
			after := objectsOf(t, convertFiles(t, with(files, changed), convert.Options{}), "b")
			if len(before) == 0 {
				t.Fatal("b has no objects")
			}
			for name, data := range before {
				if after[name] != data {
					t.Errorf("adding %q to a changed %s of b:\nbefore %s\nafter  %s", strings.TrimSpace(c.add), name, data, after[name])
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok {
					t.Errorf("adding %q to a gave b a new object %s", strings.TrimSpace(c.add), name)
				}
			}
		})
	}
}

func with(files map[string]string, compose string) map[string]string {
	out := map[string]string{"compose.yaml": compose}
	for k, v := range files {
		out[k] = v
	}
	return out
}

// objectsOf returns, as JSON by Kind/name, the objects of service svc: those labelled with it
// and the ConfigMaps and Secrets its pods read through envFrom.
func objectsOf(t *testing.T, res *convert.Result, svc string) map[string]string {
	t.Helper()
	mine := map[string]bool{}
	for _, o := range res.Objects {
		if o.GetLabels()[convert.LabelName] != svc {
			continue
		}
		if ps := convert.PodSpec(o); ps != nil {
			for _, c := range ps.Containers {
				for _, f := range c.EnvFrom {
					if f.ConfigMapRef != nil {
						mine["ConfigMap/"+f.ConfigMapRef.Name] = true
					}
					if f.SecretRef != nil {
						mine["Secret/"+f.SecretRef.Name] = true
					}
				}
			}
		}
		mine[o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName()] = true
	}
	out := map[string]string{}
	for _, o := range res.Objects {
		key := o.GetObjectKind().GroupVersionKind().Kind + "/" + o.GetName()
		if mine[key] {
			data, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			out[key] = string(data)
		}
	}
	return out
}
