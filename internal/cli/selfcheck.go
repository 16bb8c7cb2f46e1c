package cli

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// checkOutput validates the converted objects, as berth writes them, against the embedded
// OpenAPI schemas of kubeVersion. berth must never write an object Kubernetes rejects: a
// rejection here is a bug in berth, reported as such, and nothing is written. Kinds without
// an embedded schema (custom resources) are left to the cluster.
func checkOutput(objs []convert.Object, kubeVersion string) error {
	// Only the schemas of the group-versions in use are loaded: reading all of them costs more
	// than converting a small project.
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, obj := range objs {
		if gv := obj.GetObjectKind().GroupVersionKind().GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	v, err := validate.NewOfflineFor(kubeVersion, gvs)
	if err != nil {
		return fmt.Errorf("--kube-version: %w", err)
	}
	var bad []string
	for _, obj := range objs {
		if !v.Has(obj.GetObjectKind().GroupVersionKind()) {
			continue
		}
		// render.Unstructured is exactly what the YAML and JSON encoders write, without the
		// cost of encoding and parsing the whole stream again.
		m, err := render.Unstructured(obj)
		if err != nil {
			return fmt.Errorf("checking output: %w", err)
		}
		if r := v.Object(&unstructured.Unstructured{Object: m}); !r.Accepted {
			bad = append(bad, strings.ReplaceAll(r.String(), "\n", "\n    "))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("bug in berth: it produced %s that Kubernetes %s would reject (nothing was written; please report this with the input):\n%s",
			plural(len(bad), "object"), v.KubeVersion(), strings.Join(bad, "\n"))
	}
	return nil
}
