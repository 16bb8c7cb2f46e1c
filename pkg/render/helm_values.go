package render

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// valueNode describes one chart value: values.yaml (defaults and a comment per key),
// values.schema.json and the templates' value references all come from this one tree.
//
// A node is one of: an object with fixed fields (fields != nil), a free-form map whose
// entries all follow entry (entry != nil; the default is def, a map), or a leaf of JSON
// Schema type typ with default def.
type valueNode struct {
	path   []string
	doc    string
	typ    any
	def    any
	extra  map[string]any
	entry  map[string]any
	fields map[string]*valueNode
	// optional leaves have no default: values.yaml leaves them out and the schema does not
	// require them (secret data, given at install time or not at all).
	optional bool
}

// newValues returns the root of a chart's values.
func newValues() *valueNode { return &valueNode{fields: map[string]*valueNode{}} }

// child returns the field key of n, creating it with make when absent.
func (n *valueNode) child(key string, make func() *valueNode) *valueNode {
	if c, ok := n.fields[key]; ok {
		return c
	}
	c := make()
	c.path = append(append([]string{}, n.path...), key)
	n.fields[key] = c
	return c
}

// object returns the object field key of n (created with doc when absent).
func (n *valueNode) object(key, doc string) *valueNode {
	return n.child(key, func() *valueNode { return &valueNode{doc: doc, fields: map[string]*valueNode{}} })
}

// leaf adds (or returns) the leaf field key of JSON Schema type typ with default def; extra
// holds more schema keywords (enum, minimum, pattern).
func (n *valueNode) leaf(key, doc string, typ, def any, extra map[string]any) *valueNode {
	return n.child(key, func() *valueNode { return &valueNode{doc: doc, typ: typ, def: def, extra: extra} })
}

// optionalLeaf adds (or returns) the optional leaf field key of JSON Schema type typ.
func (n *valueNode) optionalLeaf(key, doc string, typ any) *valueNode {
	return n.child(key, func() *valueNode { return &valueNode{doc: doc, typ: typ, optional: true} })
}

// shown reports whether n has a field values.yaml writes.
func (n *valueNode) shown() bool {
	for _, c := range n.fields {
		if !c.optional {
			return true
		}
	}
	return false
}

// freeMap adds (or returns) the field key holding a map of any keys whose entries follow the
// schema entry; def is its default.
func (n *valueNode) freeMap(key, doc string, def map[string]any, entry map[string]any) *valueNode {
	if def == nil {
		def = map[string]any{}
	}
	return n.child(key, func() *valueNode { return &valueNode{doc: doc, def: def, entry: entry} })
}

// identifier matches keys a template can reach with .key instead of index.
var identifier = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ref is a template expression for the value at n (from the root context $), e.g.
// `$.Values.workloads.web.replicas` or `(index $.Values.workloads "my-app" "replicas")`.
func (n *valueNode) ref() string { return valueRef(n.path) }

// valueRef is ref for a path under .Values.
func valueRef(path []string) string {
	expr := "$.Values"
	for i, k := range path {
		if !identifier().MatchString(k) {
			quoted := make([]string, 0, len(path)-i)
			for _, q := range path[i:] {
				quoted = append(quoted, fmt.Sprintf("%q", q))
			}
			return fmt.Sprintf("(index %s %s)", expr, strings.Join(quoted, " "))
		}
		expr += "." + k
	}
	return expr
}

// field is the expression of field key below n.
func (n *valueNode) field(key string) string {
	return valueRef(append(append([]string{}, n.path...), key))
}

// sortedFields returns n's field names in order.
func (n *valueNode) sortedFields() []string {
	return slices.Sorted(maps.Keys(n.fields))
}

// yamlText renders values.yaml: every key with its comment, keys sorted.
func (n *valueNode) yamlText() ([]byte, error) {
	var b strings.Builder
	b.WriteString("# Default values of the chart berth wrote. With these values the chart renders exactly the\n")
	b.WriteString("# objects of `berth convert --format yaml`; values.schema.json describes every key.\n")
	if err := n.writeFields(&b, ""); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func (n *valueNode) writeFields(b *strings.Builder, indent string) error {
	for _, k := range n.sortedFields() {
		c := n.fields[k]
		if c.optional {
			continue
		}
		for _, line := range strings.Split(c.doc, "\n") {
			if line != "" {
				fmt.Fprintf(b, "%s# %s\n", indent, line)
			}
		}
		key, err := yamlScalar(k)
		if err != nil {
			return err
		}
		switch {
		case c.fields != nil && !c.shown():
			fmt.Fprintf(b, "%s%s: {}\n", indent, key)
		case c.fields != nil:
			fmt.Fprintf(b, "%s%s:\n", indent, key)
			if err := c.writeFields(b, indent+"  "); err != nil {
				return err
			}
		case c.entry != nil && len(c.def.(map[string]any)) == 0:
			fmt.Fprintf(b, "%s%s: {}\n", indent, key)
		case c.entry != nil:
			data, err := goyaml.Marshal(c.def)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "%s%s:\n", indent, key)
			for _, line := range strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n") {
				b.WriteString(indent + "  " + line)
			}
			b.WriteString("\n")
		default:
			v, err := yamlScalar(c.def)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "%s%s: %s\n", indent, key, v)
		}
	}
	return nil
}

// yamlScalar renders v as one YAML scalar (quoted when a plain scalar would mean something else).
func yamlScalar(v any) (string, error) {
	data, err := goyaml.Marshal(v)
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(string(data), "\n")
	if strings.Contains(s, "\n") {
		// A multi-line string: JSON's quoted form is YAML too.
		j, err := json.Marshal(v)
		return string(j), err
	}
	return s, nil
}
