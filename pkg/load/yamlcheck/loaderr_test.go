package yamlcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// refusing is a custom unmarshaler that refuses its node, as compose-go's reset processor does
// with a node it cannot resolve.
type refusing struct{}

func (*refusing) UnmarshalYAML(*yaml.Node) error { return errors.New("refused") }

func TestLoadErrorAt(t *testing.T) {
	decode := func(src string, v any) error { return yaml.Unmarshal([]byte(src), v) }
	stream := func(src string, v any) error { return yaml.NewDecoder(strings.NewReader(src)).Decode(v) }
	var n yaml.Node
	var m map[string]any
	for _, tc := range []struct {
		name string
		err  error
		want Mark
		msg  string
	}{
		{"reader: invalid UTF-8", decode("a: 1\nb: \xff\n", &n), Mark{Offset: 8}, "invalid leading UTF-8 octet (value: 255)"},
		{"reader: NUL", decode("a: 1\n\x00\n", &n), Mark{Offset: 5}, "control characters are not allowed (value: 0)"},
		{"scanner, with where the quote began", decode("a: 1\nb: 'x\n", &n), Mark{Offset: -1, Line: 3, Column: 1},
			"found unexpected end of stream (while scanning a quoted scalar at line 2, column 4)"},
		{"parser, context on the same line", decode("a: [1, 2 b\n", &n), Mark{Offset: -1, Line: 2, Column: 1},
			"did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)"},
		{"scanner", decode("key: value: x\n", &n), Mark{Offset: -1, Line: 1, Column: 11}, "mapping values are not allowed in this context"},
		{"composer", decode("a: *x\n", &n), Mark{Offset: -1, Line: 1, Column: 4}, "unknown anchor 'x' referenced"},
		{"constructor: the first of a list", decode("a: 1\nb: 2\na: 3\nb: 4\n", &m), Mark{Offset: -1, Line: 3, Column: 1},
			`mapping key "a" already defined at line 1`},
		{"wrapped", fmt.Errorf("failed to parse x.yaml: %w", decode("a: *x\n", &n)), Mark{Offset: -1, Line: 1, Column: 4}, "unknown anchor 'x' referenced"},
		{"a custom unmarshaler's error, at its node", stream("# comment\n\n  a: 1\n", &refusing{}), Mark{Offset: -1, Line: 3, Column: 3}, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark, msg, ok := LoadErrorAt(tc.err)
			if !ok || mark != tc.want || msg != tc.msg {
				t.Errorf("LoadErrorAt(%v) = %+v, %q, %v; want %+v, %q, true", tc.err, mark, msg, ok, tc.want, tc.msg)
			}
		})
	}
	if _, _, ok := LoadErrorAt(errors.New("line 3: not from go-yaml")); ok {
		t.Error("an error go-yaml did not make was read as one")
	}
}
