package report

import (
	"bytes"
	"encoding/json"
)

// page accumulates the HTML report. It is written by plain code rather than html/template:
// executing any text or html template makes the linker keep every exported method of every
// type in the binary (the template engine calls methods by name), which more than doubles the
// size of berth. The escaping below is html/template's, so the page is the same byte for byte
// (html_test.go renders the former template as the oracle).
type page struct {
	b bytes.Buffer
}

// raw writes trusted markup: the page's own tags and the embedded style and scripts.
func (p *page) raw(s ...string) {
	for _, x := range s {
		p.b.WriteString(x)
	}
}

// text writes s escaped for HTML text, an RCDATA element (title) or a quoted attribute value,
// as html/template's HTML escaper does for a plain string in those contexts.
func (p *page) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		// Every byte of a multi-byte UTF-8 sequence (or of invalid UTF-8) is >= 0x80, so a
		// byte loop sees the same runes as html/template's rune loop and copies the rest.
		repl := htmlEscape(s[i])
		if repl == "" {
			continue
		}
		p.b.WriteString(s[last:i])
		p.b.WriteString(repl)
		last = i + 1
	}
	p.b.WriteString(s[last:])
}

// htmlEscape is html/template's htmlReplacementTable: NUL becomes U+FFFD, the others
// character references; "" leaves c as it is.
func htmlEscape(c byte) string {
	switch c {
	case 0:
		return "\uFFFD"
	case '"':
		return "&#34;"
	case '&':
		return "&amp;"
	case '\'':
		return "&#39;"
	case '+':
		return "&#43;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return ""
}

// jsonValue is v as html/template writes a value into a script element: JSON with <, >, &,
// U+2028 and U+2029 escaped as \u sequences (json.Marshal's HTML escaping does all five), so
// no input can close the element or start a comment. html/template pads a value with spaces
// only when it begins or ends with an identifier character; a JSON object does neither.
func jsonValue(v any) ([]byte, error) {
	return json.Marshal(v)
}
