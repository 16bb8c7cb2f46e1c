package full

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/berth-dev/berth/pkg/validate"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	openapivalidate "k8s.io/kube-openapi/pkg/validation/validate"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"
)

// The custom resources berth itself emits (External Secrets Operator's SecretStore and
// ExternalSecret, for ECS secrets) are checked against their CRDs' openAPIV3Schema, vendored
// unchanged in crds/ (see crds/README.md): berth's own output must pass `berth validate`.

//go:embed crds/*.yaml.gz
var crdFiles embed.FS

// crdSchemas are the served versions' schemas of the embedded CRDs, by kind.
var crdSchemas = sync.OnceValues(loadCRDs)

type crdDoc struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Served bool   `json:"served"`
			Schema struct {
				OpenAPIV3Schema *spec.Schema `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func loadCRDs() (map[schema.GroupVersionKind]*spec.Schema, error) {
	entries, err := crdFiles.ReadDir("crds")
	if err != nil {
		return nil, err
	}
	out := map[schema.GroupVersionKind]*spec.Schema{}
	for _, e := range entries {
		raw, err := crdFiles.ReadFile("crds/" + e.Name())
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("crd %s: %w", e.Name(), err)
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("crd %s: %w", e.Name(), err)
		}
		var doc crdDoc
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("crd %s: %w", e.Name(), err)
		}
		for _, v := range doc.Spec.Versions {
			if v.Served && v.Schema.OpenAPIV3Schema != nil {
				out[schema.GroupVersionKind{Group: doc.Spec.Group, Version: v.Name, Kind: doc.Spec.Names.Kind}] = v.Schema.OpenAPIV3Schema
			}
		}
	}
	return out, nil
}

// CRDKind reports whether gvk is a custom resource kind berth has the CRD schema of.
func CRDKind(gvk schema.GroupVersionKind) bool {
	m, err := crdSchemas()
	return err == nil && m[gvk] != nil
}

// crdCheck validates obj against a CRD's schema, as the apiserver does for a custom resource
// (metadata is the apiserver's own business: the CRD schema leaves it open).
func crdCheck(sch *spec.Schema, obj *unstructured.Unstructured, formats strfmt.Registry, r validate.Result) validate.Result {
	res := openapivalidate.NewSchemaValidator(sch, nil, "", formats).Validate(withoutNulls(obj.Object))
	var lines []string
	for _, e := range res.Errors {
		lines = append(lines, strings.Replace(strings.TrimPrefix(e.Error(), "."), " in body ", " ", 1))
	}
	if len(lines) == 0 {
		r.Accepted = true
		return r
	}
	sort.Strings(lines)
	r.Message = strings.Join(lines, "\n")
	return r
}
