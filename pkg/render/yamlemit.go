package render

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// marshalYAML returns exactly the bytes goyaml.Marshal(m) returns, several times faster for
// the maps berth renders: it writes the block style that encoder writes (two-space indent,
// sequences not indented under their key, keys in its sort order, plain scalars broken at
// spaces past column 80) directly, without reflection or the event machinery. Whatever it is
// not sure to write identically (floats, multi-line strings, long quoted strings with spaces,
// nested lists, very long keys) makes it hand the whole document to goyaml.Marshal, so the
// output is always the encoder's (TestMarshalYAMLMatchesGoyaml).
//
// strs (may be nil) caches the scalar text of strings that needed goyaml; one cache serves all
// documents of a render, from any goroutine.
func marshalYAML(m map[string]any, strs *sync.Map) ([]byte, error) {
	if out, ok := emitYAML(m, strs); ok {
		return out, nil
	}
	return goyaml.Marshal(m)
}

// emitYAML is marshalYAML's own writer; false means "use goyaml".
func emitYAML(m map[string]any, strs *sync.Map) ([]byte, bool) {
	e := emitter{strs: strs}
	if !e.mapping(m, 0, false) {
		return nil, false
	}
	return bytes.Clone(e.buf.Bytes()), true
}

// wrapWidth is the encoder's line width: a scalar with a space may be broken past it.
const wrapWidth = 80

// rootIndent is where the encoder continues a broken scalar that is the whole document.
const rootIndent = 2

// maxSimpleKey is the longest key the encoder writes as "key: " rather than "? key".
const maxSimpleKey = 128

type emitter struct {
	buf  bytes.Buffer
	strs *sync.Map // string → its scalar text, for strings checked with goyaml
}

// mapping writes a map whose keys are at column indent; inSeq means the first key follows
// "- " on the current line. It reports false when the document must go to goyaml.
func (e *emitter) mapping(m map[string]any, indent int, inSeq bool) bool {
	if len(m) == 0 {
		e.buf.WriteString("{}\n")
		return true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// keyLess is not transitive for some keys ("10" < "1e3" < "01" < "10"): a stable sort
	// from one canonical order keeps the output the same on every run whatever the map's
	// iteration order.
	sort.Strings(keys)
	sort.SliceStable(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	for i, k := range keys {
		if i > 0 || !inSeq {
			e.indent(indent)
		}
		if !simpleKey(k) {
			return false
		}
		ks, ok := e.scalar(k, indent, -1)
		if !ok {
			return false
		}
		e.buf.WriteString(ks)
		e.buf.WriteByte(':')
		if !e.value(m[k], indent, indent+utf8.RuneCountInString(ks)+2) {
			return false
		}
	}
	return true
}

// simpleKey reports whether the encoder writes k as "k: " (not "? k"): it must be non-empty,
// short and on one line. Only printable ASCII is taken, which also rules out every Unicode
// line break.
func simpleKey(k string) bool {
	if k == "" || len(k) > maxSimpleKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// value writes v after "key:" (a space first for scalars); col is the column after ": ".
func (e *emitter) value(v any, indent, col int) bool {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.buf.WriteString(" {}\n")
			return true
		}
		e.buf.WriteByte('\n')
		return e.mapping(t, indent+2, false)
	case []any:
		if len(t) == 0 {
			e.buf.WriteString(" []\n")
			return true
		}
		e.buf.WriteByte('\n')
		return e.sequence(t, indent)
	}
	e.buf.WriteByte(' ')
	return e.scalarValue(v, col, indent+2)
}

// sequence writes a non-empty list whose dashes are at column indent.
func (e *emitter) sequence(l []any, indent int) bool {
	for _, x := range l {
		e.indent(indent)
		e.buf.WriteString("- ")
		switch t := x.(type) {
		case map[string]any:
			if !e.mapping(t, indent+2, true) {
				return false
			}
		case []any:
			if len(t) > 0 {
				return false
			}
			e.buf.WriteString("[]\n")
		default:
			if !e.scalarValue(x, indent+2, indent+2) {
				return false
			}
		}
	}
	return true
}

// scalarValue writes a scalar starting at column col and a newline; a long plain string
// continues on lines indented by cont.
func (e *emitter) scalarValue(v any, col, cont int) bool {
	switch t := v.(type) {
	case nil:
		e.buf.WriteString("null")
	case bool:
		e.buf.WriteString(strconv.FormatBool(t))
	case int64:
		e.buf.WriteString(strconv.FormatInt(t, 10))
	case int:
		e.buf.WriteString(strconv.Itoa(t))
	case string:
		s, ok := e.scalar(t, col, cont)
		if !ok {
			return false
		}
		e.buf.WriteString(s)
	default:
		return false
	}
	e.buf.WriteByte('\n')
	return true
}

// scalar returns the text the encoder writes for string s starting at column col, or false
// when that cannot be known here (a line break in s, a long quoted string). A plain scalar
// past the encoder's width is broken at spaces onto lines indented by cont, as the encoder
// does; cont < 0 means a key, which the encoder never breaks.
func (e *emitter) scalar(s string, col, cont int) (string, bool) {
	if plainWord(s) {
		return s, true
	}
	text, ok := e.load(s)
	if !ok {
		out, err := goyaml.Marshal(s)
		text = strings.TrimSuffix(string(out), "\n")
		switch {
		case err != nil:
			text = "\n"
		case text == s || text == wrapPlain(s, 0, rootIndent):
			text = s // plain (a long one was broken at the document's root)
		case strings.Contains(text, "\n") || strings.HasPrefix(text, "|") || strings.HasPrefix(text, ">"):
			text = "\n" // marks "not single-line"
		}
		if e.strs != nil {
			e.strs.Store(s, text)
		}
	}
	if text == "\n" {
		return "", false
	}
	if cont < 0 || col+utf8.RuneCountInString(text) <= wrapWidth || !strings.Contains(text, " ") {
		return text, true
	}
	if text != s || strings.Contains(s, "\t") {
		return "", false // quoted: the encoder breaks those differently; leave it to goyaml
	}
	return wrapPlain(s, col, cont), true
}

// wrapPlain breaks plain scalar s as go.yaml.in/yaml/v2's yaml_emitter_write_plain_scalar
// does: at a single space (not one followed by another) once the column is past the width,
// the space replaced by a line break and cont spaces. Columns count runes.
func wrapPlain(s string, col, cont int) string {
	var b strings.Builder
	column, spaces := col, false
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ' ' && !spaces && column > wrapWidth && i+1 < len(s) && s[i+1] != ' ':
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", cont))
			column = cont
			spaces = true
		case r == ' ':
			b.WriteByte(' ')
			column++
			spaces = true
		default:
			b.WriteString(s[i : i+w])
			column++
			spaces = false
		}
		i += w
	}
	return b.String()
}

func (e *emitter) load(s string) (string, bool) {
	if e.strs == nil {
		return "", false
	}
	v, ok := e.strs.Load(s)
	if !ok {
		return "", false
	}
	return v.(string), true
}

func (e *emitter) indent(n int) {
	for i := 0; i < n; i++ {
		e.buf.WriteByte(' ')
	}
}

// plainWord reports whether s is certainly written as it is: a letter or slash first, then
// only letters, digits and "-._/" (and ":" but not last), and not one of the words YAML 1.1
// reads as a boolean or null.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '/' ||
			c == ':' && i < len(s)-1) {
			return false
		}
	}
	if len(s) <= 5 {
		switch s {
		case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
			"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL":
			return false
		}
	}
	return true
}

// keyLess is the encoder's order of string map keys (go.yaml.in/yaml/v2 sorter.go): letters
// before other characters, runs of digits compared as numbers.
func keyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(ar[i])
		bl := unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
