package apply_test

import (
	"fmt"
	"testing"

	"github.com/berth-dev/berth/pkg/apply"
)

// TestCRDAndCustomResourcesInOneApply: a CustomResourceDefinition goes in the first wave and
// the custom resources it defines are applied once the server serves the kind; a re-apply
// changes nothing, and a dropped custom resource is pruned.
func TestCRDAndCustomResourcesInOneApply(t *testing.T) {
	e := newEnv(t)
	ns := "crd"
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.berth.dev}
spec:
  group: example.berth.dev
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
---
apiVersion: v1
kind: Namespace
metadata: {name: crd}
`
	widget := func(name string, size int) string {
		return fmt.Sprintf("---\napiVersion: example.berth.dev/v1\nkind: Widget\nmetadata: {name: %s}\nspec: {size: %d}\n", name, size)
	}
	set := apply.NewSet(ns, ns)
	objs := parse(t, crd+widget("a", 1)+widget("b", 2))
	res, _, err := e.apply(objs, apply.Options{Set: set})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(apply.Applied); got != 4 {
		t.Errorf("applied %d, want 4: %+v", got, res.Changes)
	}
	res, _, err = e.apply(objs, apply.Options{Set: set})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(apply.Unchanged); got != 4 {
		t.Errorf("re-apply: %d unchanged, want 4: %+v", got, res.Changes)
	}
	res, _, err = e.apply(parse(t, crd+widget("a", 3)), apply.Options{Set: set, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(res, "Widget crd/b", apply.Pruned) || !hasChange(res, "Widget crd/a", apply.Configured) {
		t.Errorf("changes: %+v", res.Changes)
	}
	gone(t, e, "example.berth.dev/v1", "Widget", ns, "b")
}
