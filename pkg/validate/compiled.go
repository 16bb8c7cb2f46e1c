package validate

import (
	"math"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The fast check. Decoding the embedded OpenAPI documents and building the two validators
// costs about 20 ms per run and validating with them about 0.1 ms per object, more than
// converting a small project. Most objects berth checks are valid, so Offline first runs a
// check over a compact form of the same schemas (compiled at `go generate` time into
// compiled_schemas.go) that only ever says "surely valid": it accepts an object only when every
// value has the type the schema gives, no field is unknown, every required field is set,
// enums, formats, list-map keys and set members hold, and it understands every schema keyword
// on the way. Anything else (a value it cannot vouch for, a keyword it does not know, a null)
// falls through to the full validators, which decide and write the messages. So the verdicts
// are those of the full validators (TestFastCheckNeverAcceptsWhatFullRejects).

// Node kinds of a compiled schema.
const (
	nUnsure      uint8 = iota // a schema the fast check does not understand: never accepted
	nAny                      // {}: any value (but null)
	nObject                   // fields: a struct; every key must be a field
	nMap                      // additionalProperties: every value is elem
	nEmptyObject              // type object without fields: only {} is surely valid
	nArray                    // items: every element is elem
	nString                   // format and enum apply
	nInteger
	nNumber
	nBool
	nIntOrString // int-or-string: oneOf integer, string
	nQuantity    // resource.Quantity: oneOf string, number
)

// List types of an nArray (x-kubernetes-list-type).
const (
	listAtomic uint8 = iota
	listSet
	listMap
)

// cnode is one compiled schema. Nodes refer to each other by index in their table.
type cnode struct {
	kind     uint8
	list     uint8
	elem     int32
	format   string
	fields   []cfield // sorted by name
	required []string
	keys     []ckey // list-map keys
	enum     []string
}

type cfield struct {
	name string
	node int32
}

// ckey is one key of a list-map; an element without it has the key's default, when the
// schema gives one (structured-merge-diff reads it so): a string or a float64.
type ckey struct {
	name string
	def  any
}

// value is the key's value in element m, numbers as float64 (structured-merge-diff compares
// 80 and 80.0 as equal), or nil.
func (k ckey) value(m map[string]any) any {
	v, ok := m[k.name]
	if !ok {
		return k.def
	}
	return scalarKey(v)
}

// scalarKey is v as a comparable key: strings and booleans as they are, numbers as float64;
// nil for anything else.
func scalarKey(v any) any {
	switch x := v.(type) {
	case string, bool, float64:
		return x
	case int64:
		return float64(x)
	}
	return nil
}

// ckind is the root node of one top-level kind in each compiled version (compiledVersions;
// -1 where the version has no such kind).
type ckind struct {
	group, version, kind string
	nodes                []int32
}

// table is one Kubernetes version's compiled schemas: column col of the generated, read-only
// nodes and kinds that all versions share (compiled_schemas.go).
type table struct {
	nodes []cnode
	kinds []ckind // sorted by group, version, kind
	col   int
}

// root returns the node of gvk's schema, or -1.
func (t *table) root(gvk schema.GroupVersionKind) int32 {
	i := sort.Search(len(t.kinds), func(i int) bool {
		k := t.kinds[i]
		if k.group != gvk.Group {
			return k.group > gvk.Group
		}
		if k.version != gvk.Version {
			return k.version > gvk.Version
		}
		return k.kind >= gvk.Kind
	})
	if i < len(t.kinds) && t.kinds[i].group == gvk.Group && t.kinds[i].version == gvk.Version && t.kinds[i].kind == gvk.Kind {
		return t.kinds[i].nodes[t.col]
	}
	return -1
}

// compiledTable returns the compiled schemas of version ("1.33"), or nil.
func compiledTable(version string) *table {
	col := slices.Index(compiledVersions, version)
	if col < 0 {
		return nil
	}
	return &table{nodes: compiledNodes, kinds: compiledKinds, col: col}
}

// fastChecker runs the fast check over one compiled table.
type fastChecker struct {
	t *table
}

// surelyValid reports whether v is valid for node n; false means "ask the full validators".
func (c fastChecker) surelyValid(n int32, v any) bool {
	node := &c.t.nodes[n]
	switch node.kind {
	case nAny:
		return v != nil
	case nObject:
		return c.object(node, v)
	case nMap:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, x := range m {
			if !c.surelyValid(node.elem, x) {
				return false
			}
		}
		return true
	case nEmptyObject:
		m, ok := v.(map[string]any)
		return ok && len(m) == 0
	case nArray:
		return c.array(node, v)
	case nString:
		s, ok := v.(string)
		return ok && c.str(node, s)
	case nInteger:
		return isInteger(v)
	case nNumber:
		return isNumber(v)
	case nBool:
		_, ok := v.(bool)
		return ok
	case nIntOrString:
		_, ok := v.(string)
		return ok || isInteger(v)
	case nQuantity:
		_, ok := v.(string)
		return ok || isNumber(v)
	}
	return false
}

// isInteger accepts what both validators take for an integer: int64, or a float64 with an
// integral value that JSON numbers represent exactly (|x| ≤ 2^53, as the JSON-schema
// validator's IsFloat64AJSONInteger).
func isInteger(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case float64:
		return x == math.Trunc(x) && math.Abs(x) <= 1<<53
	}
	return false
}

func isNumber(v any) bool {
	switch x := v.(type) {
	case int64:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return false
}

func (c fastChecker) object(node *cnode, v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, x := range m {
		f := findField(node.fields, k)
		if f < 0 || !c.surelyValid(f, x) {
			return false
		}
	}
	for _, r := range node.required {
		if _, ok := m[r]; !ok {
			return false
		}
	}
	return true
}

func findField(fields []cfield, name string) int32 {
	lo, hi := 0, len(fields)
	for lo < hi {
		mid := (lo + hi) / 2
		if fields[mid].name < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(fields) && fields[lo].name == name {
		return fields[lo].node
	}
	return -1
}

func (c fastChecker) str(node *cnode, s string) bool {
	if node.format != "" && !surelyFormat(node.format, s) {
		return false
	}
	if len(node.enum) == 0 {
		return true
	}
	for _, e := range node.enum {
		if s == e {
			return true
		}
	}
	return false
}

func (c fastChecker) array(node *cnode, v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range l {
		if !c.surelyValid(node.elem, x) {
			return false
		}
	}
	switch node.list {
	case listSet:
		return uniqueScalars(l, scalarKey)
	case listMap:
		for _, x := range l {
			m, ok := x.(map[string]any)
			if !ok {
				return false
			}
			for _, k := range node.keys {
				if k.value(m) == nil {
					return false
				}
			}
		}
		if len(node.keys) == 1 {
			k := node.keys[0]
			return uniqueScalars(l, func(x any) any { return k.value(x.(map[string]any)) })
		}
		return uniqueKeys(l, node.keys)
	}
	return true
}

// uniqueScalars reports whether key(x) is non-nil for every x and no two are equal.
func uniqueScalars(l []any, key func(any) any) bool {
	seen := make(map[any]bool, len(l))
	for _, x := range l {
		k := key(x)
		if k == nil || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// uniqueKeys reports whether no two elements of l have equal values for all keys.
func uniqueKeys(l []any, keys []ckey) bool {
	for i := range l {
		for j := i + 1; j < len(l); j++ {
			a, b := l[i].(map[string]any), l[j].(map[string]any)
			same := true
			for _, k := range keys {
				same = same && k.value(a) == k.value(b)
			}
			if same {
				return false
			}
		}
	}
	return true
}
