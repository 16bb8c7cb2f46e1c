package render

import (
	"fmt"
	"strings"

	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// template turns one object into a Helm template. The object's map is edited in place: values
// become placeholder tokens, keys to be rewritten get a token suffix. After the map is encoded
// as YAML (so every literal is exactly what the plain output has), the tokens are replaced by
// template actions:
//
//   - value tokens become inline actions ({{ ... }});
//   - block keys (key__berth_bN__) are replaced, line and all, by generated lines;
//   - conditional keys (key__berth_cN__) keep their line and everything nested under it, which
//     is wrapped in {{- if COND }} ... {{- end }}.
type template struct {
	n      int
	inline map[string]string
	blocks map[string]func(indent string) []string
	conds  map[string]string
	// fileCond, when set, wraps the whole template.
	fileCond string
}

func newTemplate() *template {
	return &template{inline: map[string]string{}, blocks: map[string]func(string) []string{}, conds: map[string]string{}}
}

func (t *template) token(kind string) string {
	t.n++
	return fmt.Sprintf("__berth_%s%d__", kind, t.n)
}

// action returns a token that becomes {{ expr }}.
func (t *template) action(expr string) string { return t.text("{{ " + expr + " }}") }

// text returns a token that becomes text (which may hold actions).
func (t *template) text(text string) string {
	tok := t.token("v")
	t.inline[tok] = text
	return tok
}

// block replaces m[key] by the lines gen returns; gen gets the key's indentation. The key is
// added when m does not have it.
func (t *template) block(m map[string]any, key string, gen func(indent string) []string) {
	tok := t.token("b")
	delete(m, key)
	m[key+tok] = ""
	t.blocks[tok] = gen
}

// cond renders m[key] (and everything nested under it) only when cond is true.
func (t *template) cond(m map[string]any, key, cond string) {
	tok := t.token("c")
	v := m[key]
	delete(m, key)
	m[key+tok] = v
	t.conds[tok] = cond
}

// keyToken finds a block or conditional key: indentation, list-item dash, key, token, rest.
var keyToken = lazyRegexp(`^( *)(- )?([^ :]*?)(__berth_[bc]\d+__)(:.*)$`)

// render encodes m and replaces the tokens.
func (t *template) render(m map[string]any) ([]byte, error) {
	data, err := goyaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	// Literal template delimiters in the objects (a ConfigMap holding a Go template) print as
	// themselves.
	lines := strings.Split(strings.ReplaceAll(string(data), "{{", "{{`{{`}}"), "\n")
	after := make([][]string, len(lines))
	var out []string
	for i, line := range lines {
		g := keyToken().FindStringSubmatch(line)
		if g == nil {
			out = append(out, line)
			out = append(out, after[i]...)
			continue
		}
		indent, dash, key, tok, rest := g[1], g[2], g[3], g[4], g[5]
		if dash != "" {
			return nil, fmt.Errorf("internal error: template key %s is the first of a list item", key)
		}
		if gen, ok := t.blocks[tok]; ok {
			out = append(out, gen(indent)...)
			out = append(out, after[i]...)
			continue
		}
		end := blockEnd(lines, i, len(indent))
		after[end] = append([]string{indent + "{{- end }}"}, after[end]...)
		out = append(out, indent+"{{- if "+t.conds[tok]+" }}", indent+key+rest)
		out = append(out, after[i]...)
	}
	s := strings.Join(out, "\n")
	pairs := make([]string, 0, 2*len(t.inline))
	for tok, text := range t.inline {
		pairs = append(pairs, tok, text)
	}
	s = strings.NewReplacer(pairs...).Replace(s)
	if t.fileCond != "" {
		s = "{{- if " + t.fileCond + " }}\n" + s + "{{- end }}\n"
	}
	return []byte(s), nil
}

// blockEnd returns the index of the last line of the YAML node whose key is on line i at
// column col: the lines indented deeper, and sequence items at the same column (goyaml
// writes a map's sequence values unindented).
func blockEnd(lines []string, i, col int) int {
	end := i
	for j := i + 1; j < len(lines); j++ {
		l := lines[j]
		ind := len(l) - len(strings.TrimLeft(l, " "))
		if l == "" || ind < col || ind == col && !strings.HasPrefix(l[col:], "- ") {
			break
		}
		end = j
	}
	return end
}
