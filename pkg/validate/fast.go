package validate

import (
	"encoding/base64"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Fast is the fast check of one Kubernetes version's schemas (see compiled.go): it says
// "surely valid" or "ask the full validators" (package full), never "invalid". It needs no
// schema decoding and links none of the OpenAPI libraries, so `berth convert` checks its own
// output with it at almost no cost. A *Fast is safe for concurrent use.
type Fast struct {
	version string
	c       fastChecker
	only    map[schema.GroupVersion]bool // nil: every group-version
}

// NewFast prepares the fast check of kubeVersion ("1.33", "v1.33" or "1.33.13"; empty means
// DefaultKubeVersion) for objects of the group-versions gvs (nil: all). Objects of other
// group-versions have no schema (Has reports false).
func NewFast(kubeVersion string, gvs []schema.GroupVersion) (*Fast, error) {
	if kubeVersion == "" {
		kubeVersion = DefaultKubeVersion
	}
	v, err := NormalizeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	t := compiledTable(v)
	if t == nil {
		return nil, fmt.Errorf("no embedded schemas for kubernetes %s (embedded: %s)", v, strings.Join(KubeVersions(), ", "))
	}
	f := &Fast{version: v, c: fastChecker{t: t}}
	if gvs != nil {
		f.only = make(map[schema.GroupVersion]bool, len(gvs))
		for _, gv := range gvs {
			f.only[gv] = true
		}
	}
	return f, nil
}

// KubeVersion is the Kubernetes version ("1.33") whose schemas f checks against.
func (f *Fast) KubeVersion() string { return f.version }

// Has reports whether f has a schema for gvk (built-in kinds; custom resources have none).
func (f *Fast) Has(gvk schema.GroupVersionKind) bool { return f.root(gvk) >= 0 }

func (f *Fast) root(gvk schema.GroupVersionKind) int32 {
	if f.only != nil && !f.only[gvk.GroupVersion()] {
		return -1
	}
	return f.c.t.root(gvk)
}

// SurelyValid reports whether the object obj (its unstructured form) is valid for its kind;
// false means the full validators must decide (or f has no schema for the kind).
func (f *Fast) SurelyValid(obj map[string]any) bool {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	n := f.root(gv.WithKind(kind))
	return n >= 0 && f.c.surelyValid(n, obj) && len(ServerRules(obj)) == 0
}

// surelyFormat reports whether s surely has the string format named: "byte" (base64, as the
// apiserver decodes it: the empty string too). Any other format (the schemas also use
// "date-time") is left to the full validators.
func surelyFormat(format, s string) bool {
	if format == "byte" {
		_, err := base64.StdEncoding.DecodeString(s)
		return err == nil
	}
	return false
}

// Check checks objs with the fast check. results[i] is final unless unsure holds i: the
// object is accepted, or rejected because f has no schema for its kind. The objects at the
// indexes in unsure need the full validators (package full).
func (f *Fast) Check(objs []*unstructured.Unstructured) (results []Result, unsure []int) {
	results = make([]Result, len(objs))
	for i, obj := range objs {
		r := Result{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
		gvk := obj.GroupVersionKind()
		switch {
		case !f.Has(gvk):
			r.Message = NoSchemaMessage(gvk, f.version)
		case f.SurelyValid(obj.Object):
			r.Accepted = true
		default:
			unsure = append(unsure, i)
		}
		results[i] = r
	}
	return results, unsure
}

// NoSchemaMessage is the rejection of an object of a kind without an embedded schema.
func NoSchemaMessage(gvk schema.GroupVersionKind, kubeVersion string) string {
	return fmt.Sprintf("no schema for kind %q in version %q in kubernetes %s (a custom resource needs its CRD; check apiVersion and kind)",
		gvk.Kind, gvk.GroupVersion().String(), kubeVersion)
}

// EmbeddedCRDKind reports whether gvk is a custom resource berth emits itself and package full
// checks against the CRD it embeds (External Secrets Operator v1 SecretStore and
// ExternalSecret): the fast check has no schema for it, the full check has.
func EmbeddedCRDKind(gvk schema.GroupVersionKind) bool {
	return gvk.Group == "external-secrets.io" && gvk.Version == "v1" && (gvk.Kind == "SecretStore" || gvk.Kind == "ExternalSecret")
}
