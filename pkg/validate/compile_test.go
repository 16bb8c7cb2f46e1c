package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/berth-dev/berth/internal/golden"
	"go/format"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// compileVersion compiles the embedded schemas of one version directory ("v1.33") into the
// Go source of its table (compiled_v1_33.go). It lives in a test file: berth itself only reads
// the generated tables.
func compileVersion(dir string) ([]byte, error) {
	raw, err := rawComponents(path.Join("schemas", dir))
	if err != nil {
		return nil, err
	}
	kindDefs, err := rawKinds(path.Join("schemas", dir))
	if err != nil {
		return nil, err
	}
	c := &compiler{raw: raw, defs: map[string]int32{}, interned: map[string]int32{}}
	var kinds []ckind
	for gvk := range kindDefs {
		kinds = append(kinds, ckind{group: gvk.Group, version: gvk.Version, kind: gvk.Kind})
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := kinds[i], kinds[j]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.version != b.version {
			return a.version < b.version
		}
		return a.kind < b.kind
	})
	for i, k := range kinds {
		kinds[i].node = c.def(kindDefs[schema.GroupVersionKind{Group: k.group, Version: k.version, Kind: k.kind}])
	}
	return c.source(tableVar(dir), dir, kinds)
}

// tableVar is the name of a version's table: v1.33 → compiledV1_33.
func tableVar(dir string) string {
	return "compiled" + strings.ToUpper(dir[:1]) + strings.ReplaceAll(dir[1:], ".", "_")
}

// rawComponents reads the component schemas of every document in dir as generic JSON.
func rawComponents(dir string) (map[string]map[string]any, error) {
	entries, err := fs.ReadDir(schemaFS, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json.gz") {
			continue
		}
		comps, err := rawDocument(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for name, s := range comps {
			out[name] = s
		}
	}
	return out, nil
}

// rawDocument reads the component schemas of one embedded document as generic JSON.
func rawDocument(file string) (map[string]map[string]any, error) {
	data, err := ReadSchema(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc.Components.Schemas, nil
}

// rawKinds maps each top-level kind of the documents in dir to its component schema's name,
// from the x-kubernetes-group-version-kind extension in its own group-version's document
// (meta types list many kinds).
func rawKinds(dir string) (map[schema.GroupVersionKind]string, error) {
	entries, err := fs.ReadDir(schemaFS, dir)
	if err != nil {
		return nil, err
	}
	kinds := map[schema.GroupVersionKind]string{}
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json.gz")
		if !ok {
			continue
		}
		gv := APIPathGroupVersion(strings.ReplaceAll(base, "__", "/"))
		comps, err := rawDocument(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for name, s := range comps {
			list, _ := s["x-kubernetes-group-version-kind"].([]any)
			for _, item := range list {
				m, _ := item.(map[string]any)
				g, _ := m["group"].(string)
				v, _ := m["version"].(string)
				k, _ := m["kind"].(string)
				if gvk := (schema.GroupVersionKind{Group: g, Version: v, Kind: k}); v != "" && k != "" && gvk.GroupVersion() == gv {
					kinds[gvk] = name
				}
			}
		}
	}
	return kinds, nil
}

type compiler struct {
	raw      map[string]map[string]any
	nodes    []cnode
	defs     map[string]int32 // definition name → node
	interned map[string]int32 // content key → node, for anonymous nodes
}

// ignored keywords say nothing either validator checks on an object (smd does not validate
// unions; defaults are not checked against the object).
func ignored(k string) bool {
	switch k {
	case "description", "default", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key",
		"x-kubernetes-map-type", "x-kubernetes-unions", "discriminator", "x-kubernetes-group-version-kind":
		return true
	}
	return false
}

// understood keywords are the ones compile interprets; a schema with any other is nUnsure.
func understood(k string) bool {
	switch k {
	case "type", "format", "properties", "required", "items", "additionalProperties", "enum",
		"x-kubernetes-list-type", "x-kubernetes-list-map-keys", "$ref", "allOf", "oneOf":
		return true
	}
	return false
}

// def returns the node of a named definition, compiling it once (recursive types refer to
// their own node).
func (c *compiler) def(name string) int32 {
	if n, ok := c.defs[name]; ok {
		return n
	}
	n := int32(len(c.nodes))
	c.nodes = append(c.nodes, cnode{})
	c.defs[name] = n
	s, ok := c.raw[name]
	if !ok {
		c.nodes[n] = cnode{kind: nUnsure}
		return n
	}
	c.nodes[n] = c.node(s)
	return n
}

// ref compiles an inline schema to a node index: a reference is its definition's node, any
// other schema is interned by content.
func (c *compiler) ref(s map[string]any) int32 {
	if r, ok := onlyRef(s); ok {
		return c.def(r)
	}
	nd := c.node(s)
	key := fmt.Sprintf("%#v", nd)
	if n, ok := c.interned[key]; ok {
		return n
	}
	n := int32(len(c.nodes))
	c.nodes = append(c.nodes, nd)
	c.interned[key] = n
	return n
}

// onlyRef returns the definition s stands for: {$ref} or Kubernetes' {allOf: [{$ref}]}
// wrapper (with a default or description beside it), which is how the full validator's
// resolver reads them too.
func onlyRef(s map[string]any) (string, bool) {
	for k := range s {
		if k != "$ref" && k != "allOf" && !ignored(k) {
			return "", false
		}
	}
	if r, ok := s["$ref"].(string); ok && s["allOf"] == nil {
		return path.Base(r), true
	}
	if all, ok := s["allOf"].([]any); ok && len(all) == 1 && s["$ref"] == nil {
		if one, ok := all[0].(map[string]any); ok && len(one) == 1 {
			if r, ok := one["$ref"].(string); ok {
				return path.Base(r), true
			}
		}
	}
	return "", false
}

// node compiles one schema that is not a plain reference.
func (c *compiler) node(s map[string]any) cnode {
	for k := range s {
		if !understood(k) && !ignored(k) {
			return cnode{kind: nUnsure}
		}
	}
	if _, ok := onlyRef(s); ok {
		// a named definition that is itself a reference: resolve it as a copy.
		r, _ := onlyRef(s)
		if d, ok := c.raw[r]; ok {
			return c.node(d)
		}
		return cnode{kind: nUnsure}
	}
	if s["$ref"] != nil || s["allOf"] != nil {
		return cnode{kind: nUnsure}
	}
	if one, ok := s["oneOf"]; ok {
		return oneOfNode(s, one)
	}
	typ, _ := s["type"].(string)
	if _, multi := s["type"].([]any); multi {
		return cnode{kind: nUnsure}
	}
	switch typ {
	case "object":
		return c.object(s)
	case "array":
		return c.array(s)
	case "string":
		return stringNode(s)
	case "integer", "number", "boolean":
		if s["enum"] != nil || s["properties"] != nil || s["items"] != nil || s["additionalProperties"] != nil || s["required"] != nil {
			return cnode{kind: nUnsure}
		}
		return cnode{kind: map[string]uint8{"integer": nInteger, "number": nNumber, "boolean": nBool}[typ]}
	case "":
		if len(s) == countIgnored(s) {
			return cnode{kind: nAny}
		}
		if s["properties"] != nil {
			// no type but fields: requiring a map is stricter than both validators
			return c.object(s)
		}
	}
	return cnode{kind: nUnsure}
}

func countIgnored(s map[string]any) int {
	n := 0
	for k := range s {
		if ignored(k) {
			n++
		}
	}
	return n
}

// oneOfNode knows the two oneOf schemas Kubernetes uses: IntOrString and Quantity.
func oneOfNode(s map[string]any, one any) cnode {
	types := func() []string {
		l, _ := one.([]any)
		var out []string
		for _, x := range l {
			m, _ := x.(map[string]any)
			t, _ := m["type"].(string)
			if len(m) != 1 || t == "" {
				return nil
			}
			out = append(out, t)
		}
		return out
	}()
	rest := len(s) - countIgnored(s)
	switch {
	case fmt.Sprint(types) == "[integer string]" && s["format"] == "int-or-string" && rest == 2:
		return cnode{kind: nIntOrString}
	case fmt.Sprint(types) == "[string number]" && rest == 1:
		return cnode{kind: nQuantity}
	}
	return cnode{kind: nUnsure}
}

func (c *compiler) object(s map[string]any) cnode {
	if s["items"] != nil || s["enum"] != nil || s["format"] != nil {
		return cnode{kind: nUnsure}
	}
	props, hasProps := s["properties"].(map[string]any)
	ap, hasAP := s["additionalProperties"]
	req, _ := s["required"].([]any)
	switch {
	case hasProps && !hasAP:
		nd := cnode{kind: nObject}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			pm, ok := props[name].(map[string]any)
			if !ok {
				return cnode{kind: nUnsure}
			}
			nd.fields = append(nd.fields, cfield{name: name, node: c.ref(pm)})
		}
		sort.Slice(nd.fields, func(i, j int) bool { return nd.fields[i].name < nd.fields[j].name })
		for _, r := range req {
			name, ok := r.(string)
			if !ok {
				return cnode{kind: nUnsure}
			}
			nd.required = append(nd.required, name)
		}
		return nd
	case hasAP && !hasProps && len(req) == 0:
		apm, ok := ap.(map[string]any)
		if !ok {
			return cnode{kind: nUnsure}
		}
		return cnode{kind: nMap, elem: c.ref(apm)}
	case !hasAP && !hasProps && len(req) == 0 && s["properties"] == nil:
		return cnode{kind: nEmptyObject}
	}
	return cnode{kind: nUnsure}
}

func (c *compiler) array(s map[string]any) cnode {
	items, ok := s["items"].(map[string]any)
	if !ok || s["properties"] != nil || s["additionalProperties"] != nil || s["enum"] != nil || s["required"] != nil {
		return cnode{kind: nUnsure}
	}
	nd := cnode{kind: nArray, elem: c.ref(items)}
	switch s["x-kubernetes-list-type"] {
	case nil, "atomic":
		if s["x-kubernetes-list-map-keys"] != nil {
			return cnode{kind: nUnsure}
		}
	case "set":
		nd.list = listSet
	case "map":
		nd.list = listMap
		keys, _ := s["x-kubernetes-list-map-keys"].([]any)
		props := c.itemProperties(items)
		for _, k := range keys {
			name, ok := k.(string)
			if !ok {
				return cnode{kind: nUnsure}
			}
			key := ckey{name: name}
			if p, _ := props[name].(map[string]any); p != nil && p["default"] != nil {
				switch d := p["default"].(type) {
				case string, float64:
					key.def = d
				default:
					return cnode{kind: nUnsure} // leave other defaults to the full check
				}
			}
			nd.keys = append(nd.keys, key)
		}
		if len(nd.keys) == 0 {
			return cnode{kind: nUnsure}
		}
	default:
		return cnode{kind: nUnsure}
	}
	return nd
}

// itemProperties returns the properties of a list's item schema (following a reference).
func (c *compiler) itemProperties(items map[string]any) map[string]any {
	if r, ok := onlyRef(items); ok {
		items = c.raw[r]
	}
	props, _ := items["properties"].(map[string]any)
	return props
}

func stringNode(s map[string]any) cnode {
	if s["properties"] != nil || s["items"] != nil || s["additionalProperties"] != nil || s["required"] != nil {
		return cnode{kind: nUnsure}
	}
	nd := cnode{kind: nString}
	if f, ok := s["format"]; ok {
		if nd.format, ok = f.(string); !ok {
			return cnode{kind: nUnsure}
		}
	}
	if e, ok := s["enum"]; ok {
		l, _ := e.([]any)
		if len(l) == 0 {
			return cnode{kind: nUnsure}
		}
		for _, x := range l {
			v, ok := x.(string)
			if !ok {
				return cnode{kind: nUnsure}
			}
			nd.enum = append(nd.enum, v)
		}
	}
	return nd
}

// kindNames are the node kinds' names in the generated source.
var kindNames = []string{nUnsure: "nUnsure", nAny: "nAny", nObject: "nObject", nMap: "nMap", nEmptyObject: "nEmptyObject",
	nArray: "nArray", nString: "nString", nInteger: "nInteger", nNumber: "nNumber", nBool: "nBool",
	nIntOrString: "nIntOrString", nQuantity: "nQuantity"}

// source writes the table as Go.
func (c *compiler) source(name, dir string, kinds []ckind) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by TestCompiledSchemasAreCurrent (go generate ./pkg/validate); DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package validate\n\n")
	fmt.Fprintf(&b, "// %s is schemas/%s compiled for the fast check (compiled.go). Read-only.\n", name, dir)
	fmt.Fprintf(&b, "var %s = table{\n\tnodes: []cnode{\n", name)
	for i, n := range c.nodes {
		fmt.Fprintf(&b, "\t\t/* %d */ {kind: %s", i, kindNames[n.kind])
		if n.list != 0 {
			fmt.Fprintf(&b, ", list: %s", map[uint8]string{listSet: "listSet", listMap: "listMap"}[n.list])
		}
		if n.elem != 0 {
			fmt.Fprintf(&b, ", elem: %d", n.elem)
		}
		if n.format != "" {
			fmt.Fprintf(&b, ", format: %q", n.format)
		}
		if len(n.fields) > 0 {
			b.WriteString(", fields: []cfield{")
			for j, f := range n.fields {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "{%q, %d}", f.name, f.node)
			}
			b.WriteString("}")
		}
		for _, l := range []struct {
			field string
			list  []string
		}{{"required", n.required}, {"enum", n.enum}} {
			if len(l.list) > 0 {
				quoted := make([]string, len(l.list))
				for j, s := range l.list {
					quoted[j] = strconv.Quote(s)
				}
				fmt.Fprintf(&b, ", %s: []string{%s}", l.field, strings.Join(quoted, ", "))
			}
		}
		if len(n.keys) > 0 {
			b.WriteString(", keys: []ckey{")
			for j, k := range n.keys {
				if j > 0 {
					b.WriteString(", ")
				}
				switch d := k.def.(type) {
				case string:
					fmt.Fprintf(&b, "{%q, %q}", k.name, d)
				case float64:
					fmt.Fprintf(&b, "{%q, float64(%v)}", k.name, d)
				default:
					fmt.Fprintf(&b, "{%q, nil}", k.name)
				}
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("\t},\n\tkinds: []ckind{\n")
	for _, k := range kinds {
		fmt.Fprintf(&b, "\t\t{%q, %q, %q, %d},\n", k.group, k.version, k.kind, k.node)
	}
	b.WriteString("\t},\n}\n")
	return format.Source(b.Bytes())
}

// update is the one -update flag of every package (internal/golden).
var update = golden.Update

// The compiled tables are what compileVersion makes of the embedded schemas today: a schema
// update without `go generate ./pkg/validate` fails here.
func TestCompiledSchemasAreCurrent(t *testing.T) {
	for _, v := range KubeVersions() {
		dir := "v" + v
		want, err := compileVersion(dir)
		if err != nil {
			t.Fatal(err)
		}
		file := "compiled_" + strings.ReplaceAll(dir, ".", "_") + ".go"
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what schemas/%s compiles to: run go generate ./pkg/validate", file, dir)
		}
		if compiledTable(v) == nil {
			t.Errorf("compiledTable(%q) is nil: add %s to it", v, tableVar(dir))
		}
	}
}
