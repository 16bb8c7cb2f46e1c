package full

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/berth-dev/berth/pkg/validate"
)

// loadComponents reads the embedded documents of one version (dir) and returns their
// component schemas merged by name, and the schema name of each top-level kind (from the
// x-kubernetes-group-version-kind extension, taken only from its own group-version's
// document: meta types list many kinds).
// When only is non-nil, documents of other group-versions are skipped (each document holds
// every component schema its kinds reference).
func loadComponents(dir string, only map[schema.GroupVersion]bool) (map[string]*spec.Schema, map[schema.GroupVersionKind]string, error) {
	entries, err := fs.ReadDir(validate.Schemas(), dir)
	if err != nil {
		return nil, nil, err
	}
	defs := map[string]*spec.Schema{}
	kinds := map[schema.GroupVersionKind]string{}
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".json.gz")
		if base == e.Name() {
			continue
		}
		gv := validate.APIPathGroupVersion(strings.ReplaceAll(base, "__", "/"))
		if only != nil && !only[gv] {
			continue
		}
		raw, err := validate.ReadSchema(path.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var doc spec3.OpenAPI
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, fmt.Errorf("embedded schema %s: %w", e.Name(), err)
		}
		if doc.Components == nil {
			continue
		}
		for name, s := range doc.Components.Schemas {
			defs[name] = s
			for _, gvk := range extensionGVKs(s) {
				if gvk.GroupVersion() == gv {
					kinds[gvk] = name
				}
			}
		}
	}
	return defs, kinds, nil
}

func extensionGVKs(s *spec.Schema) []schema.GroupVersionKind {
	list, _ := s.Extensions["x-kubernetes-group-version-kind"].([]any)
	var out []schema.GroupVersionKind
	for _, item := range list {
		m, _ := item.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v != "" && k != "" {
			out = append(out, schema.GroupVersionKind{Group: g, Version: v, Kind: k})
		}
	}
	return out
}
