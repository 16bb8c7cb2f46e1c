package compose

import (
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"go.yaml.in/yaml/v4"
)

// varrefs.go records which input values were written with variable references, before
// compose-go interpolated them: convert's advice can then name the variable to set
// ("set CHAT_HOST=chat") instead of an edit of a value the user never wrote.

// wholeRef matches a value that is one reference and nothing else: ${NAME}, ${NAME:-x},
// ${NAME-x}, ${NAME:?err}, $NAME.
var wholeRef = lazyRegexp(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:[:]?[-?+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))$`)

// refsIn returns the variables s references, in order, without duplicates.
func refsIn(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "$$") {
		for _, m := range varRef().FindAllStringSubmatch(part, -1) {
			v := m[1]
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// wholeVar returns the variable s consists of, or "".
func wholeVar(s string) string {
	if m := wholeRef().FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// varRefs lists the scalar values of the services that reference variables, sorted by field.
func (x *index) varRefs() []model.VarRef {
	var out []model.VarRef
	var rec func(n *inode, path string)
	rec = func(n *inode, path string) {
		if n.node != nil && n.node.Kind == yaml.ScalarNode && strings.Contains(n.node.Value, "$") {
			whole := wholeVar(n.node.Value)
			for _, v := range refsIn(n.node.Value) {
				out = append(out, model.VarRef{Field: path, Var: v, Whole: v == whole})
			}
		}
		for _, c := range n.kids {
			rec(c, path+c.seg)
		}
	}
	for _, s := range x.root.get(".services").kidsOrNil() {
		rec(s, "services"+s.seg)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// nameVars records, on each service, the DNS names Compose serves for it (hostname,
// container_name, network aliases, link aliases) that are one variable reference each, with
// the variable: hostname: ${CHAT_HOST:-chat.example.internal} gives chat.example.internal →
// CHAT_HOST.
func (m *mapper) nameVars(app *model.App) {
	add := func(svc, raw string) {
		s := app.Service(svc)
		v := wholeVar(raw)
		if s == nil || v == "" {
			return
		}
		name := m.expand(raw)
		for _, kv := range s.NameVars {
			if kv.Key == name {
				return
			}
		}
		s.NameVars = append(s.NameVars, model.KV{Key: name, Value: v})
	}
	raw := func(n *inode) string {
		if n == nil || n.node == nil || n.node.Kind != yaml.ScalarNode {
			return ""
		}
		return n.node.Value
	}
	for _, sn := range m.idx.root.get(".services").kidsOrNil() {
		svc := sn.seg[1:]
		add(svc, raw(sn.get(".hostname")))
		add(svc, raw(sn.get(".container_name")))
		for _, net := range sn.get(".networks").kidsOrNil() {
			for _, a := range net.get(".aliases").kidsOrNil() {
				add(svc, raw(a))
			}
		}
		for _, l := range sn.get(".links").kidsOrNil() {
			if target, alias, ok := strings.Cut(raw(l), ":"); ok {
				add(m.expand(target), alias)
			}
		}
	}
	for _, s := range app.Services {
		sort.Slice(s.NameVars, func(i, j int) bool { return s.NameVars[i].Key < s.NameVars[j].Key })
	}
}
