package apply

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// roundTrip is the decoding decodeYAMLDirect replaces: YAML → JSON → map.
func roundTrip(raw []byte) (map[string]any, error) {
	var m map[string]any
	err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096).Decode(&m)
	return m, err
}

// TestDecodeYAMLDirect holds decodeYAMLDirect equal (values and their Go types) to the round
// trip on every YAML document of this repository (CRDs, compose files, berth's goldens) and on
// cases written for the conversion's corners; where it declines (nil), the round trip is used.
func TestDecodeYAMLDirect(t *testing.T) {
	var docs [][]byte
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			raw, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return nil // not YAML the reader splits: not a case
			}
			docs = append(docs, raw)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 300 {
		t.Fatalf("only %d YAML documents found in the repository", len(docs))
	}
	corners := []string{
		"a: 1\nb: -7\nc: 1.5\nd: 2.0\ne: 99999999999999999999\nf: 9007199254740993\ng: 0x1F\nh: 1e3\ni: -0.0\n",
		"a: true\nb: yes\nc: ~\nd: null\ne: \"\"\nf: '123'\ng: 2026-12-06\nh: 12:30:00\n",
		"a: []\nb: {}\nc: [1, [2, {x: y}]]\nd:\n  - {}\n  - []\n",
		"a: <b>&amp;\nb: \"tab\\there\"\nc: \"\\u00e9\"\nd: |\n  line1\n  line2\n",
		"base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
		"a: 1\na: 2\n",                  // duplicate keys
		"1: one\n",                      // int key
		"true: t\n",                     // bool key
		"~: null key\n",                 // null key
		"a: .nan\n",                     // NaN
		"a: .inf\n",                     // +Inf
		"a: \"\\xff\"\n",                // invalid UTF-8
		"a: !!binary aGVsbG8=\n",        // binary
		"- a\n- b\n",                    // not a mapping
		"just a string\n",               // scalar
		"# only a comment\n",            // empty
		"{\"a\": 1, \"b\": [1.5, 2]}\n", // JSON: int64 numbers on the JSON path
		"a: [1, 2\n",                    // YAML error
		"a:\n\t- b\n",                   // tab indentation
		"\xef\xbb\xbfa: bom\n",          // byte order mark
		"? [complex, key]\n: v\n",       // non-scalar key
	}
	for _, c := range corners {
		docs = append(docs, []byte(c))
	}
	direct := 0
	for _, raw := range docs {
		got := decodeYAMLDirect(raw)
		if got == nil {
			continue
		}
		direct++
		want, err := roundTrip(raw)
		if err != nil {
			t.Errorf("decoded directly, but the round trip fails (%v):\n%s", err, raw)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("direct decoding differs from the round trip:\n%s\ndirect: %#v\nround trip: %#v", raw, got, want)
		}
	}
	// the fast path must be the common one, or it saves nothing
	if direct*10 < len(docs)*9 {
		t.Errorf("decoded directly only %d of %d documents", direct, len(docs))
	}
	for _, c := range []string{"1: one\n", "a: .nan\n", "- a\n", "{\"a\": 1}\n", "a: [1, 2\n"} {
		if decodeYAMLDirect([]byte(c)) != nil {
			t.Errorf("%q: decoded directly, want the round trip", c)
		}
	}
	// berth's own output (Parse of a written object) takes the direct path
	obj := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/part-of: shop}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n"
	if decodeYAMLDirect([]byte(obj)) == nil {
		t.Error("a Deployment was not decoded directly")
	}
	t.Logf("%d of %d documents decoded directly", direct, len(docs))
}
