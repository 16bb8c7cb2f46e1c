package apply

import (
	"encoding/json"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// upToDate reports whether applying desired would change nothing: the live object's fields
// that berth owns (its Apply entry in managedFields) hold exactly the values desired asks for,
// and berth owns no field that desired no longer sets.
//
// This is what makes a re-apply of an unchanged application fast without missing drift:
// when anyone else changes a field berth owns (kubectl edit, a forced apply), the server moves
// the field's ownership to them, so the field drops out of berth's set and the comparison
// fails; the next apply takes it back. The comparison needs no schema: managedFields
// (FieldsV1) describe list elements by their keys (k:), values (v:) or index (i:).
func upToDate(desired, live *unstructured.Unstructured) bool {
	fields, ok := appliedFields(live, desired.GetAPIVersion())
	if !ok {
		return false
	}
	got, _ := project(live.Object, fields).(map[string]any)
	want := strippedForCompare(desired.Object)
	return equalValues(want, got)
}

// appliedFields returns berth's Apply field set on live, decoded, if it was recorded for
// apiVersion.
func appliedFields(live *unstructured.Unstructured, apiVersion string) (map[string]any, bool) {
	for _, mf := range live.GetManagedFields() {
		if mf.Manager != FieldManager || mf.Operation != metav1.ManagedFieldsOperationApply || mf.Subresource != "" {
			continue
		}
		if mf.APIVersion != apiVersion || mf.FieldsV1 == nil {
			return nil, false
		}
		var set map[string]any
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &set); err != nil {
			return nil, false
		}
		return set, true
	}
	return nil, false
}

// strippedForCompare drops what managedFields never record: apiVersion, kind, and the
// object's name and namespace.
func strippedForCompare(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "apiVersion", "kind":
			continue
		case "metadata":
			md, _ := v.(map[string]any)
			m := make(map[string]any, len(md))
			for mk, mv := range md {
				if mk != "name" && mk != "namespace" {
					m[mk] = mv
				}
			}
			if len(m) > 0 {
				out[k] = m
			}
			continue
		}
		out[k] = v
	}
	return out
}

// project returns the part of v that the field set node selects. A leaf selects the whole
// value; "f:x" selects map field x; "k:{...}", "v:..." and "i:n" select list elements.
func project(v any, node map[string]any) any {
	if len(node) == 0 {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for key, child := range node {
			name, ok := strings.CutPrefix(key, "f:")
			if !ok {
				continue
			}
			if e, ok := t[name]; ok {
				cn, _ := child.(map[string]any)
				out[name] = project(e, cn)
			}
		}
		return out
	case []any:
		var out []any
		for i, e := range t {
			if cn, ok := matchElement(node, i, e); ok {
				out = append(out, project(e, cn))
			}
		}
		return out
	default:
		return v
	}
}

// matchElement finds the field-set child that selects list element e at index i.
func matchElement(node map[string]any, i int, e any) (map[string]any, bool) {
	for key, child := range node {
		cn, _ := child.(map[string]any)
		switch {
		case strings.HasPrefix(key, "k:"):
			var keys map[string]any
			if json.Unmarshal([]byte(key[2:]), &keys) != nil {
				continue
			}
			em, ok := e.(map[string]any)
			if !ok {
				continue
			}
			match := true
			for k, kv := range keys {
				if !equalValues(em[k], kv) {
					match = false
					break
				}
			}
			if match {
				return cn, true
			}
		case strings.HasPrefix(key, "v:"):
			var val any
			if json.Unmarshal([]byte(key[2:]), &val) == nil && equalValues(val, e) {
				return cn, true
			}
		case strings.HasPrefix(key, "i:"):
			if n, err := strconv.Atoi(key[2:]); err == nil && n == i {
				return cn, true
			}
		}
	}
	return nil, false
}

// equalValues compares decoded JSON values, treating all numbers by value (int64 from the
// API's decoder, float64 from encoding/json).
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
