package full_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// goldenObjects are the objects of every golden case's expected output (what berth writes).
func goldenObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob("../../../internal/cli/testdata/golden/*/want/out/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden outputs found: %v", err)
	}
	sort.Strings(files)
	var objs []*unstructured.Unstructured
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		o, err := validate.ParseYAML(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objs = append(objs, o...)
	}
	return objs
}

// The fast check only ever says "surely valid" where the full validators accept: on every
// agreement case, every object berth's golden tests write, and thousands of mutations of them
// (fields removed, unknown fields added, values of other types, duplicated list entries, bad
// enum values and formats). It also vouches for every golden object, so berth's own output
// never needs the full validators.
func TestFastCheckNeverAcceptsWhatFullRejects(t *testing.T) {
	v, err := full.NewOffline("")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, tc := range agreementCases {
		texts = append(texts, tc.doc)
	}
	for _, tc := range serverOnlyCases {
		texts = append(texts, tc.doc)
	}
	var docs []*unstructured.Unstructured
	for _, doc := range texts {
		objs, err := validate.ParseYAML([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, objs...)
	}
	golden := goldenObjects(t)
	for _, obj := range golden {
		fast, full := full.FastAndFull(v, obj)
		if !fast && strings.Contains(full.Message, "no schema for") {
			continue // a custom resource (Gateway API, AWS LBC, ESO): neither check has its schema
		}
		if !fast {
			t.Errorf("fast check does not vouch for golden %s %s (full: %s)", obj.GetKind(), obj.GetName(), full)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var checked, rejected, fastRejected int
	for _, base := range append(docs, golden...) {
		for i := 0; i < 40; i++ {
			obj := base.DeepCopy()
			var what string
			if i > 0 {
				what = mutate(rng, obj.Object, "")
			}
			fast, full := full.FastAndFull(v, obj)
			checked++
			if !full.Accepted {
				rejected++
			}
			if !fast {
				fastRejected++
			}
			if fast && !full.Accepted {
				t.Errorf("%s %s %s: fast check accepts, full rejects: %s", base.GetKind(), base.GetName(), what, full.Message)
			}
		}
	}
	t.Logf("%d objects checked: full validators rejected %d, fast check declined %d", checked, rejected, fastRejected)
	if rejected < checked/4 {
		t.Errorf("only %d of %d mutations are invalid: the mutations test little", rejected, checked)
	}
}

// mutate changes one randomly chosen value somewhere in m and says what it did.
func mutate(rng *rand.Rand, m map[string]any, at string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 || rng.IntN(4) == 0 {
		m["bogusField"] = "x"
		return at + ": unknown field added"
	}
	k := keys[rng.IntN(len(keys))]
	path := at + "." + k
	switch child := m[k].(type) {
	case map[string]any:
		if rng.IntN(3) > 0 {
			return mutate(rng, child, path)
		}
	case []any:
		if len(child) > 0 && rng.IntN(3) > 0 {
			j := rng.IntN(len(child))
			if cm, ok := child[j].(map[string]any); ok && rng.IntN(3) > 0 {
				return mutate(rng, cm, fmt.Sprintf("%s[%d]", path, j))
			}
			m[k] = append(child, runtime.DeepCopyJSONValue(child[j]))
			return path + ": an element duplicated"
		}
	}
	switch rng.IntN(8) {
	case 0:
		delete(m, k)
		return path + ": removed"
	case 1:
		m[k] = int64(7)
	case 2:
		m[k] = "Bogus value!"
	case 3:
		m[k] = true
	case 4:
		m[k] = 1.5
	case 5:
		m[k] = nil
	case 6:
		m[k] = map[string]any{"a": "b"}
	default:
		m[k] = []any{"a"}
	}
	return fmt.Sprintf("%s: set to %v", path, m[k])
}
