// Package full is berth's complete offline validation: the fast check of package validate,
// and for what it cannot vouch for the validators the apiserver uses for its schemas
// (kube-openapi's JSON-schema validator and structured-merge-diff). It links those libraries,
// so only the berth-cluster executable does; berth hands validation it cannot decide to it.
package full

import (
	"encoding/base64"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	openapivalidate "k8s.io/kube-openapi/pkg/validation/validate"

	"github.com/berth-dev/berth/pkg/validate"
)

// Offline validates objects without a cluster, against the OpenAPI v3 schemas of one
// Kubernetes version captured from a real apiserver and embedded in berth. It reports what
// the schemas can tell, with the libraries the apiserver itself uses for them:
//
//   - unknown fields, wrong types, malformed list-map keys and duplicate list entries:
//     structured-merge-diff's typed conversion (managedfields.TypeConverter), the check a
//     server-side apply with fieldValidation=Strict runs;
//   - missing required fields, values outside an enum, malformed formats (base64 "byte",
//     ...): kube-openapi's JSON-schema validator.
//
// Of the apiserver's hand-written validation it runs only validate.ServerRules (images,
// unique container and port names); the rest (name formats, selector must match template
// labels, port ranges, ...) and admission are Server's. An *Offline is safe
// for concurrent use.
type Offline struct {
	fast    *validate.Fast
	formats strfmt.Registry
	// full loads the full validators on first use: an object the fast check vouches for
	// never needs them.
	full func() (*fullValidators, error)
}

// fullValidators are the validators Offline's verdicts come from.
type fullValidators struct {
	converter managedfields.TypeConverter
	kinds     map[schema.GroupVersionKind]*spec.Schema // top-level schemas, references inlined
}

// NewOffline prepares the embedded schemas of kubeVersion ("1.33", "v1.33" or "1.33.13";
// empty means DefaultKubeVersion). The full schemas are decoded on the first object the fast
// check cannot vouch for, which takes a few hundred milliseconds: keep the result.
func NewOffline(kubeVersion string) (*Offline, error) {
	return NewOfflineFor(kubeVersion, nil)
}

// NewOfflineFor is NewOffline for objects of the given group-versions only (nil: all), which
// is much faster when few are needed (berth convert checks its own output with it). Objects
// of other group-versions have no schema in the result (Has reports false).
func NewOfflineFor(kubeVersion string, gvs []schema.GroupVersion) (*Offline, error) {
	fast, err := validate.NewFast(kubeVersion, gvs)
	if err != nil {
		return nil, err
	}
	var only map[schema.GroupVersion]bool
	if gvs != nil {
		only = make(map[schema.GroupVersion]bool, len(gvs))
		for _, gv := range gvs {
			only[gv] = true
		}
	}
	v := fast.KubeVersion()
	return &Offline{
		fast:    fast,
		formats: formats(),
		full:    sync.OnceValues(func() (*fullValidators, error) { return loadFull(v, only) }),
	}, nil
}

// loadFull decodes the embedded schemas of version v (of the group-versions in only, or all)
// and builds the two validators.
func loadFull(v string, only map[schema.GroupVersion]bool) (*fullValidators, error) {
	defs, kindNames, err := loadComponents("schemas/v"+v, only)
	if err != nil {
		return nil, fmt.Errorf("kubernetes %s schemas: %w", v, err)
	}
	if len(defs) == 0 {
		return &fullValidators{kinds: map[schema.GroupVersionKind]*spec.Schema{}}, nil
	}
	tc, err := managedfields.NewTypeConverter(defs, false)
	if err != nil {
		return nil, fmt.Errorf("kubernetes %s schemas: %w", v, err)
	}
	r := &resolver{defs: defs, done: map[string]*spec.Schema{}}
	kinds := make(map[schema.GroupVersionKind]*spec.Schema, len(kindNames))
	for gvk, name := range kindNames {
		kinds[gvk] = r.definition(name)
	}
	return &fullValidators{converter: tc, kinds: kinds}, nil
}

// formats are the string formats as the apiserver decodes them. The JSON-schema library's
// "byte" rejects the empty string, which the apiserver's base64 decoding accepts (an empty
// Secret value).
func formats() strfmt.Registry {
	reg := strfmt.NewFormats()
	var b64 strfmt.Base64
	reg.Add("byte", &b64, func(s string) bool {
		_, err := base64.StdEncoding.DecodeString(s)
		return err == nil
	})
	return reg
}

// Has reports whether o has a schema for gvk (built-in kinds; custom resources have none).
func (o *Offline) Has(gvk schema.GroupVersionKind) bool { return o.fast.Has(gvk) }

// KubeVersion is the Kubernetes version ("1.33") whose schemas o uses.
func (o *Offline) KubeVersion() string { return o.fast.KubeVersion() }

// Validate checks each object; results are in the order of objs.
func (o *Offline) Validate(objs []*unstructured.Unstructured) []validate.Result {
	results := make([]validate.Result, len(objs))
	for i, obj := range objs {
		results[i] = o.Object(obj)
	}
	return results
}

// Object checks one object. A rejected object's Message lists every problem found, one per
// line, each starting with the field path.
func (o *Offline) Object(obj *unstructured.Unstructured) validate.Result {
	r := validate.Result{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	gvk := obj.GroupVersionKind()
	if !o.fast.Has(gvk) {
		if crds, err := crdSchemas(); err == nil && crds[gvk] != nil {
			return crdCheck(crds[gvk], obj, o.formats, r)
		}
		r.Message = validate.NoSchemaMessage(gvk, o.KubeVersion())
		return r
	}
	if o.fast.SurelyValid(obj.Object) {
		r.Accepted = true
		return r
	}
	return o.checkFull(obj, r)
}

// checkFull is the full validators' verdict on obj, filled into r.
func (o *Offline) checkFull(obj *unstructured.Unstructured, r validate.Result) validate.Result {
	full, err := o.full()
	if err != nil {
		r.Message = err.Error()
		return r
	}
	return full.check(obj, o.formats, r)
}

// check is the full validators' verdict on obj, filled into r.
func (f *fullValidators) check(obj *unstructured.Unstructured, formats strfmt.Registry, r validate.Result) validate.Result {
	sch, ok := f.kinds[obj.GroupVersionKind()]
	if !ok {
		r.Message = fmt.Sprintf("kubernetes schemas: no schema for %s", obj.GroupVersionKind())
		return r
	}
	problems := map[string]bool{}
	if _, err := f.converter.ObjectToTyped(obj); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && line != "errors:" {
				problems[strings.TrimPrefix(line, ".")] = true
			}
		}
	}
	res := openapivalidate.NewSchemaValidator(sch, nil, "", formats).Validate(withoutNulls(obj.Object))
	for _, e := range res.Errors {
		problems[strings.Replace(strings.TrimPrefix(e.Error(), "."), " in body ", " ", 1)] = true
	}
	for _, p := range validate.ServerRules(obj.Object) { // what the schemas cannot say
		problems[p] = true
	}
	if len(problems) == 0 {
		r.Accepted = true
		return r
	}
	lines := slices.Sorted(maps.Keys(problems))
	r.Message = strings.Join(lines, "\n")
	return r
}

// withoutNulls returns a copy of m without null-valued map entries: the apiserver decodes a
// null field as an absent one (kubectl writes "creationTimestamp: null"), while the
// JSON-schema validator would call null a wrong type. A required field set to null is then
// reported as missing, which the apiserver also rejects.
func withoutNulls(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		out[k] = withoutNullsValue(v)
	}
	return out
}

func withoutNullsValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return withoutNulls(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = withoutNullsValue(x)
		}
		return out
	default:
		return v
	}
}

// resolver inlines $ref references (kube-openapi's validator does not follow them). Each
// definition is resolved once and shared; a reference back into a definition still being
// resolved (a recursive type) becomes an empty schema, which accepts anything.
type resolver struct {
	defs map[string]*spec.Schema
	done map[string]*spec.Schema
}

func (r *resolver) definition(name string) *spec.Schema {
	if s, ok := r.done[name]; ok {
		return s
	}
	out := &spec.Schema{}
	r.done[name] = out
	if d := r.defs[name]; d != nil {
		*out = *r.resolve(d)
	}
	return out
}

// resolve returns a copy of s with every reference replaced by its definition; s and the
// definitions are not modified (the type converter shares them).
func (r *resolver) resolve(s *spec.Schema) *spec.Schema {
	if ref := s.Ref.String(); ref != "" {
		return r.definition(path.Base(ref))
	}
	// Kubernetes wraps a reference in a one-element allOf to give it a default; validating
	// the referenced schema directly gives messages with the field's path instead of
	// "must validate all the schemas (allOf)"
	if len(s.AllOf) == 1 && s.AllOf[0].Ref.String() != "" && len(s.Type) == 0 && len(s.Properties) == 0 {
		return r.definition(path.Base(s.AllOf[0].Ref.String()))
	}
	c := *s
	if c.Format == "int-or-string" {
		// Kubernetes' own format name; the oneOf [integer, string] beside it says the same,
		// while the JSON-schema validator would check it as a type and reject integers
		c.Format = ""
	}
	if len(s.Properties) > 0 {
		c.Properties = make(map[string]spec.Schema, len(s.Properties))
		for k, p := range s.Properties {
			c.Properties[k] = *r.resolve(&p)
		}
	}
	if s.Items != nil {
		items := *s.Items
		if items.Schema != nil {
			items.Schema = r.resolve(items.Schema)
		}
		items.Schemas = r.resolveAll(items.Schemas)
		c.Items = &items
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		ap := *s.AdditionalProperties
		ap.Schema = r.resolve(ap.Schema)
		c.AdditionalProperties = &ap
	}
	c.AllOf = r.resolveAll(s.AllOf)
	c.AnyOf = r.resolveAll(s.AnyOf)
	c.OneOf = r.resolveAll(s.OneOf)
	if s.Not != nil {
		c.Not = r.resolve(s.Not)
	}
	return &c
}

func (r *resolver) resolveAll(list []spec.Schema) []spec.Schema {
	if len(list) == 0 {
		return list
	}
	out := make([]spec.Schema, len(list))
	for i := range list {
		out[i] = *r.resolve(&list[i])
	}
	return out
}
