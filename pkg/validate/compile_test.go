package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/berth-dev/berth/internal/golden"
	"go/format"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// compileVersion compiles the embedded schemas of one version directory ("v1.33") into its
// nodes and the root of each top-level kind. It lives in a test file: berth itself only reads
// the generated table (compiled_schemas.go).
func compileVersion(dir string) ([]cnode, map[schema.GroupVersionKind]int32, error) {
	raw, err := rawComponents(path.Join("schemas", dir))
	if err != nil {
		return nil, nil, err
	}
	kindDefs, err := rawKinds(path.Join("schemas", dir))
	if err != nil {
		return nil, nil, err
	}
	c := &compiler{raw: raw, defs: map[string]int32{}, interned: map[string]int32{}}
	roots := map[schema.GroupVersionKind]int32{}
	for _, k := range sortedKinds(kindDefs) {
		roots[k] = c.def(kindDefs[k])
	}
	return c.nodes, roots, nil
}

// sortedKinds returns m's kinds sorted by group, version, kind (the generated table's order).
func sortedKinds[V any](m map[schema.GroupVersionKind]V) []schema.GroupVersionKind {
	keys := make([]schema.GroupVersionKind, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Kind < b.Kind
	})
	return keys
}

// compileAll compiles every embedded version into one table source: the nodes of all versions
// folded into one pool (most schemas do not change between minor versions), and each kind's
// root in each version.
func compileAll(versions []string) ([]byte, error) {
	var perVersion [][]cnode
	kinds := map[schema.GroupVersionKind][]int32{}
	for i, v := range versions {
		nodes, roots, err := compileVersion("v" + v)
		if err != nil {
			return nil, err
		}
		perVersion = append(perVersion, nodes)
		for k, n := range roots {
			if kinds[k] == nil {
				kinds[k] = slices.Repeat([]int32{-1}, len(versions))
			}
			kinds[k][i] = n
		}
	}
	pool, remap := foldNodes(perVersion)
	var rows []ckind
	for _, k := range sortedKinds(kinds) {
		row := ckind{group: k.Group, version: k.Version, kind: k.Kind, nodes: kinds[k]}
		for i, n := range row.nodes {
			if n >= 0 {
				row.nodes[i] = remap[i][n]
			}
		}
		rows = append(rows, row)
	}
	return tableSource(versions, pool, rows)
}

// foldNodes merges the node lists of several versions into one pool in which nodes that check
// alike are one node: same kind, format, field names, required fields, keys and enum, and
// children that check alike. As in DFA minimization, classes start from a node's own content
// and split by their children's classes until stable (recursive schemas refer to themselves).
// remap[v][i] is the pool index of node i of version v. Pool nodes are numbered in order of
// first appearance, oldest version first, so a new version mostly appends.
func foldNodes(perVersion [][]cnode) (pool []cnode, remap [][]int32) {
	var all []cnode
	offset := make([]int32, len(perVersion))
	for v, nodes := range perVersion {
		offset[v] = int32(len(all))
		for _, n := range nodes {
			all = append(all, shiftNode(n, offset[v]))
		}
	}
	class := make([]int32, len(all)) // all in class 0: the first round splits by own content
	classes := 1
	for {
		ids := map[string]int32{}
		next := make([]int32, len(all))
		for i, n := range all {
			sig := nodeSignature(n, class)
			id, ok := ids[sig]
			if !ok {
				id = int32(len(ids))
				ids[sig] = id
			}
			next[i] = id
		}
		class = next
		if len(ids) == classes {
			break
		}
		classes = len(ids)
	}
	poolOf := make([]int32, classes)
	for i := range poolOf {
		poolOf[i] = -1
	}
	var members []int32 // pool index → its first member in all
	for i, c := range class {
		if poolOf[c] < 0 {
			poolOf[c] = int32(len(members))
			members = append(members, int32(i))
		}
	}
	for _, m := range members {
		pool = append(pool, mapChildren(all[m], func(n int32) int32 { return poolOf[class[n]] }))
	}
	for v, nodes := range perVersion {
		r := make([]int32, len(nodes))
		for i := range nodes {
			r[i] = poolOf[class[offset[v]+int32(i)]]
		}
		remap = append(remap, r)
	}
	return pool, remap
}

// shiftNode moves n's children by off (a version's nodes within all versions' nodes).
func shiftNode(n cnode, off int32) cnode {
	return mapChildren(n, func(c int32) int32 { return c + off })
}

// mapChildren returns n with each child index c replaced by f(c).
func mapChildren(n cnode, f func(int32) int32) cnode {
	if n.kind == nMap || n.kind == nArray {
		n.elem = f(n.elem)
	}
	if n.fields != nil {
		fields := make([]cfield, len(n.fields))
		for i, fl := range n.fields {
			fields[i] = cfield{name: fl.name, node: f(fl.node)}
		}
		n.fields = fields
	}
	return n
}

// nodeSignature is n's own content with its children replaced by their classes.
func nodeSignature(n cnode, class []int32) string {
	return fmt.Sprintf("%#v", mapChildren(n, func(c int32) int32 { return class[c] }))
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
		names := slices.Sorted(maps.Keys(props))
		for _, name := range names {
			pm, ok := props[name].(map[string]any)
			if !ok {
				return cnode{kind: nUnsure}
			}
			nd.fields = append(nd.fields, cfield{name: name, node: c.ref(pm)})
		}
		sort.Slice(nd.fields, func(i, j int) bool { return nd.fields[i].name < nd.fields[j].name })
		var ok bool
		if nd.required, ok = stringList(req); !ok {
			return cnode{kind: nUnsure}
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
		var ok bool
		if nd.enum, ok = stringList(l); !ok {
			return cnode{kind: nUnsure}
		}
	}
	return nd
}

// stringList returns l as strings (nil for an empty l), or false when an element is not one.
func stringList(l []any) ([]string, bool) {
	var out []string
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// kindNames are the node kinds' names in the generated source.
var kindNames = []string{nUnsure: "nUnsure", nAny: "nAny", nObject: "nObject", nMap: "nMap", nEmptyObject: "nEmptyObject",
	nArray: "nArray", nString: "nString", nInteger: "nInteger", nNumber: "nNumber", nBool: "nBool",
	nIntOrString: "nIntOrString", nQuantity: "nQuantity"}

// tableSource writes the compiled table as Go.
func tableSource(versions []string, nodes []cnode, kinds []ckind) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by TestCompiledSchemasAreCurrent (go generate ./pkg/validate); DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package validate\n\n")
	fmt.Fprintf(&b, "// compiledVersions are the Kubernetes versions of schemas/ compiled for the fast check\n")
	fmt.Fprintf(&b, "// (compiled.go), oldest first: the columns of compiledKinds' nodes.\n")
	fmt.Fprintf(&b, "var compiledVersions = %#v\n\n", versions)
	fmt.Fprintf(&b, "// compiledNodes are the compiled schemas of every version; a schema that several versions\n")
	fmt.Fprintf(&b, "// share is one node. Read-only.\n")
	fmt.Fprintf(&b, "var compiledNodes = []cnode{\n")
	for i, n := range nodes {
		fmt.Fprintf(&b, "\t/* %d */ {kind: %s", i, kindNames[n.kind])
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
	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "// compiledKinds are the root nodes of each top-level kind, one a version of compiledVersions\n")
	fmt.Fprintf(&b, "// (-1: the version has no such kind), sorted by group, version, kind. Read-only.\n")
	b.WriteString("var compiledKinds = []ckind{\n")
	for _, k := range kinds {
		roots := make([]string, len(k.nodes))
		for i, n := range k.nodes {
			roots[i] = strconv.Itoa(int(n))
		}
		fmt.Fprintf(&b, "\t{%q, %q, %q, []int32{%s}},\n", k.group, k.version, k.kind, strings.Join(roots, ", "))
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// update is the one -update flag of every package (internal/golden).
var update = golden.Update

// The compiled table is what compileAll makes of the embedded schemas today: a schema update
// without `go generate ./pkg/validate` fails here.
func TestCompiledSchemasAreCurrent(t *testing.T) {
	want, err := compileAll(KubeVersions())
	if err != nil {
		t.Fatal(err)
	}
	const file = "compiled_schemas.go"
	if *update {
		if err := os.WriteFile(file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is not what schemas/ compiles to: run go generate ./pkg/validate", file)
	}
}
