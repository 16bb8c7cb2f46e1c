package render

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// intsAsInt64 turns whole float64 numbers (how JSON decodes) into int64 (how
// runtime.DefaultUnstructuredConverter gives integers), in place.
func intsAsInt64(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = intsAsInt64(x)
		}
	case []any:
		for i, x := range t {
			t[i] = intsAsInt64(x)
		}
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
	}
	return v
}

func checkSameYAML(t *testing.T, name string, m map[string]any) bool {
	t.Helper()
	want, err := goyaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var strs sync.Map
	got, err := marshalYAML(m, &strs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-goyaml +marshalYAML):\n%s", name, diff)
	}
	_, fast := emitYAML(m, &strs)
	return fast
}

// marshalYAML writes exactly goyaml.Marshal's bytes: on every object of the golden outputs,
// and on random documents built from strings YAML treats specially (numbers, booleans, nulls,
// indicators, quotes, spaces, long text that the encoder wraps, line breaks, non-ASCII, keys
// the encoder sorts by number), at random depths so that the columns vary.
func TestMarshalYAMLMatchesGoyaml(t *testing.T) {
	files, err := filepath.Glob("../../internal/cli/testdata/golden/*/want/out/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden outputs: %v", err)
	}
	fast := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if checkSameYAML(t, f, intsAsInt64(m).(map[string]any)) {
			fast++
		}
	}
	t.Logf("%d of %d golden objects written without goyaml", fast, len(files))
	if fast < len(files)*3/4 {
		t.Errorf("only %d of %d golden objects took the direct path", fast, len(files))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	fast = 0
	const n = 5000
	for i := 0; i < n; i++ {
		m := randomMap(rng, 0)
		if checkSameYAML(t, fmt.Sprintf("random %d: %#v", i, m), m) {
			fast++
		}
	}
	t.Logf("%d of %d random documents written without goyaml", fast, n)
	if fast < n/4 {
		t.Errorf("only %d of %d random documents took the direct path", fast, n)
	}
}

var trickyStrings = []string{
	"", "a", "web", "nginx:1.27", "1", "01", "1.5", "-1", "0x1F", "1e3", "1:20", "true", "True", "yes",
	"no", "on", "off", "y", "n", "null", "~", "-", "- x", "? x", ": x", "a: b", "a #b", "#c", "@x", "`x",
	"*a", "&a", "!a", "|", ">", "%x", "'q'", `"q"`, "[a]", "{a}", "a,b", " lead", "trail ", "é ü", "日本",
	"line1\nline2\n", "a\tb", "/usr/bin/env", "http://x:80/y?z=1", "--flag=value", ".inf", ".nan",
	"a.b-c_d/e", "APP_KEY", "a:", "a:b", "a::", "/:", "x:1:2", "a10", "a2", "a02", "A", "_x", "-x", "x-1", "x-01", "10", "9",
	strings.Repeat("word ", 12), strings.Repeat("long-word ", 20), strings.Repeat("x", 150),
	"until nc -z db 5432; do sleep 1; done", "until nc -z -w 2 \"$WAIT_HOST\" \"$WAIT_PORT\"; do echo \"waiting for $WAIT_HOST:$WAIT_PORT\"; sleep 2; done",
	strings.Repeat("two  spaces ", 12), strings.Repeat("ünï cödé ", 12), strings.Repeat("a ", 60), strings.Repeat("abcdefghij", 9) + " tail", "sh -c 'echo \"hi\"'", "\x01ctl", "a\\b",
}

func randomString(rng *rand.Rand) string {
	s := trickyStrings[rng.IntN(len(trickyStrings))]
	if rng.IntN(4) == 0 {
		s += trickyStrings[rng.IntN(len(trickyStrings))]
	}
	return s
}

func randomValue(rng *rand.Rand, depth int) any {
	switch n := rng.IntN(10); {
	case n < 4 || depth > 5:
		return randomString(rng)
	case n == 4:
		return int64(rng.IntN(2000) - 1000)
	case n == 5:
		return rng.IntN(2) == 0
	case n == 6:
		if rng.IntN(4) == 0 {
			return nil
		}
		return 2.5
	case n == 7:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randomValue(rng, depth+1)
		}
		return l
	default:
		return randomMap(rng, depth+1)
	}
}

// randomMap uses keys without the digit 0: with zeros the encoder's key order is not
// transitive ("10" < "1e3" < "01" < "10"), so goyaml itself writes such maps in varying order.
func randomMap(rng *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for i := rng.IntN(6); i > 0; i-- {
		k := randomString(rng)
		if !strings.Contains(k, "0") {
			m[k] = randomValue(rng, depth)
		}
	}
	return m
}
