package validate_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/pkg/validate"
)

func TestParseYAML(t *testing.T) {
	objs, err := validate.ParseYAML([]byte(`
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
# only a comment
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
- {apiVersion: v1, kind: Service, metadata: {name: c}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.GetKind()+"/"+o.GetName())
	}
	if want := []string{"ConfigMap/a", "Secret/b", "Service/c"}; !cmp.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	for _, bad := range []string{"kind: ConfigMap\nmetadata: {name: a}\n", "apiVersion: v1\nkind: [\n"} {
		if _, err := validate.ParseYAML([]byte(bad)); err == nil {
			t.Errorf("ParseYAML(%q): no error", bad)
		}
	}
}

func TestErrAndSummary(t *testing.T) {
	results := []validate.Result{
		{APIVersion: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "ok", Accepted: true},
		{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", Message: "spec.replicas: expected integer"},
		{APIVersion: "v1", Kind: "Namespace", Name: "shop", Accepted: true, Warnings: []string{"deprecated"}},
	}
	if got, want := validate.Summarize(results).String(), "3 objects: 2 accepted, 1 rejected, 1 with warnings"; got != want {
		t.Errorf("Summarize = %q, want %q", got, want)
	}
	err := validate.Err(results)
	if err == nil {
		t.Fatal("Err = nil")
	}
	for _, want := range []string{"apps/v1 Deployment shop/web: rejected: spec.replicas", "v1 Namespace shop: accepted with warnings: deprecated"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "shop/ok") {
		t.Errorf("Err lists an OK object: %q", err)
	}
	if err := validate.Err(results[:1]); err != nil {
		t.Errorf("Err of OK results = %v", err)
	}
}
