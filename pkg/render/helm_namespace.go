package render

import (
	"fmt"

	"github.com/berth-dev/berth/pkg/convert"
)

// appNamespace is the app's namespace: the name of the one Namespace object berth emits, else
// "" (the chart then has no namespace values).
func appNamespace(objs []convert.Object) string {
	ns := ""
	for _, o := range objs {
		if kindOf(o) == "Namespace" {
			if ns != "" {
				return ""
			}
			ns = o.GetName()
		}
	}
	return ns
}

// namespaceValues adds createNamespace and namespaceOverride.
func (b *chartBuilder) namespaceValues() {
	if b.ns == "" {
		return
	}
	b.values.leaf("createNamespace", fmt.Sprintf("false leaves the Namespace object out (when the namespace exists, e.g. made by\n"+
		"helm install -n %s --create-namespace).", b.ns), "boolean", true, nil)
	b.values.leaf("namespaceOverride", fmt.Sprintf("Namespace of all objects instead of %s (empty: %s). Addresses the app spells out\n"+
		"(db.%s.svc.cluster.local in an env value) are not rewritten.", b.ns, b.ns, b.ns), "string", "",
		map[string]any{"pattern": `^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$`, "maxLength": 63})
}

// namespaceRefs renders every reference to the app's namespace through the namespace helper:
// metadata.namespace, RoleBinding subjects, namespace selectors, the Namespace's own name.
func (b *chartBuilder) namespaceRefs(t *template, o convert.Object, m map[string]any) {
	if b.ns == "" {
		return
	}
	expr := fmt.Sprintf("include %q $", b.name+".namespace")
	if kindOf(o) == "Namespace" && o.GetName() == b.ns {
		asMap(m["metadata"])["name"] = t.action(expr)
		t.fileCond = b.values.field("createNamespace")
	}
	for k, v := range m {
		if k != "data" && k != "stringData" && k != "binaryData" {
			b.namespaceWalk(t, v, expr)
		}
	}
}

func (b *chartBuilder) namespaceWalk(t *template, v any, expr string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && s == b.ns && (k == "namespace" || k == "kubernetes.io/metadata.name") {
				x[k] = t.action(expr)
				continue
			}
			b.namespaceWalk(t, c, expr)
		}
	case []any:
		for _, c := range x {
			b.namespaceWalk(t, c, expr)
		}
	}
}
