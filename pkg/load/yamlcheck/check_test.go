package yamlcheck

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

var testLimits = Limits{MaxDepth: 100, MaxPathBytes: 1 << 20, MaxTextBytes: 1 << 20}

func parse(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return &n
}

// bomb is a "billion laughs" document: levels anchors of width aliases each.
func bomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [" + strings.TrimSuffix(strings.Repeat(`"lol",`, width), ",") + "]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), width), ","))
	}
	return b.String()
}

// shared is a document with filler plain items, then an anchor of width items aliased uses times.
func shared(width, uses, filler int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "f: [%s]\n", strings.TrimSuffix(strings.Repeat("0,", filler), ","))
	fmt.Fprintf(&b, "a: &a [%s]\n", strings.TrimSuffix(strings.Repeat("1,", width), ","))
	fmt.Fprintf(&b, "b: [%s]\n", strings.TrimSuffix(strings.Repeat("*a,", uses), ","))
	return b.String()
}

func TestCheckRefuses(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"key cycle", "n: &common\n    <: *common\n", "line 2, column 8: alias *common is inside its own anchor &common (line 1, column 4): the document would be infinite"},
		{"merge cycle", "n: &common\n    <<: *common\n", "line 2, column 9: alias *common is inside its own anchor"},
		{"merge list cycle", "n: &m\n  a: 1\n  <<: [*m]\n", "line 3, column 8: alias *m is inside its own anchor"},
		{"sequence cycle", "a: &a [1, *a]\n", "line 1, column 11: alias *a is inside its own anchor"},
		{"deep cycle", "a: &a\n  b:\n    c:\n      - d: *a\n", "line 4, column 12: alias *a is inside its own anchor"},
		{"key alias cycle", "a: &a\n  ? *a\n  : 1\n", "alias *a is inside its own anchor"},
		{"nested anchors cycle", "a: &a\n  b: &b\n    c: *a\n", "line 3, column 8: alias *a is inside its own anchor"},
		{"billion laughs", bomb(9, 9), "excessive aliasing: alias *a"},
		{"wide bomb", bomb(3, 1000), "excessive aliasing: alias *a0"},
		{"deep", strings.Repeat("[", 150) + strings.Repeat("]", 150), "nesting deeper than 100 levels"},
		{"deep through aliases", "a: &a " + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "\nb: " + strings.Repeat("[", 60) + "*a" + strings.Repeat("]", 60) + "\n", "line 2, column 64: nesting deeper than 100 levels once alias *a is expanded"},
		{"aliased text", "f: [" + strings.Repeat("0,", 200) + "0]\nt: &t " + strings.Repeat("x", 100_000) + "\nu: [" + strings.Repeat("*t,", 20) + "*t]\n", "line 3, column 32: excessive aliasing: alias *t stands for 97.7 KiB of text, and the document's text with its aliases expanded exceeds 1 MiB"},
		{"long paths", "k: &k " + strings.Repeat("x", 10_000) + "\na: &a {*k: {*k: {*k: 1}}}\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", "the field paths of its nodes, aliases expanded, would take"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(parse(t, tt.src), testLimits)
			if err == nil {
				t.Fatal("Check accepted the document")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	tests := []struct{ name, src string }{
		{"plain", "services:\n  web:\n    image: alpine\n"},
		{"merge keys", "x-env: &env\n  A: 1\nservices:\n  a:\n    environment:\n      <<: *env\n  b:\n    environment:\n      <<: [*env]\n      B: 2\n"},
		{"same alias twice", "a: &a {x: 1}\nb: [*a, *a, {c: *a}]\n"},
		{"alias to a sibling", "a: &a\n  b: &b 1\n  c: *b\n"},
		{"small bomb", bomb(3, 9)},
		{"depth at the limit", strings.Repeat("[", 99) + strings.Repeat("]", 99)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(parse(t, tt.src), testLimits); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestCheckLikeGoYAML checks that Check refuses what go-yaml refuses to decode as excessive
// aliasing and accepts what it decodes.
func TestCheckLikeGoYAML(t *testing.T) {
	lim := Limits{MaxDepth: 10_000, MaxPathBytes: 1 << 40, MaxTextBytes: 1 << 40}
	for _, src := range []string{shared(100, 1000, 2000), shared(100, 1000, 500), shared(10, 300, 0), shared(1000, 300, 0), shared(30, 10_000, 2000), shared(30, 10_000, 6000), bomb(3, 9), bomb(4, 9), bomb(5, 9), bomb(6, 9), bomb(7, 9), bomb(4, 30), bomb(5, 20), bomb(2, 2000), bomb(3, 700)} {
		var v any
		decodeErr := yaml.Unmarshal([]byte(src), &v)
		checkErr := Check(parse(t, src), lim)
		t.Logf("%.20q: go-yaml: %v; Check: %v", src, decodeErr, checkErr)
		if (decodeErr != nil) != (checkErr != nil) {
			t.Errorf("%.30q...: go-yaml: %v; Check: %v", src, decodeErr, checkErr)
		}
	}
}

func TestCheckSize(t *testing.T) {
	if err := CheckSize(MaxFileBytes); err != nil {
		t.Errorf("CheckSize(MaxFileBytes) = %v", err)
	}
	err := CheckSize(10 << 20)
	if err == nil || err.Error() != "the file is 10 MiB; berth reads files of up to 8 MiB" {
		t.Errorf("CheckSize(10 MiB) = %v", err)
	}
}
