package layers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/berth-dev/berth/internal/corpus"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/berth-dev/berth"

// rule is one row of the table: what a package (and the packages under it without a row of
// their own) may import from this module.
type rule struct {
	pkg   string
	allow []string
	deny  []string
}

var cell = regexp.MustCompile("(not )?`([^`]+)`")

// readRules parses the import table of docs/architecture.md.
func readRules(t *testing.T, path string) map[string]rule {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := map[string]rule{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "| package | may import") {
			in = true
			continue
		}
		if !in || strings.HasPrefix(line, "|---") {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if len(rules) > 0 {
				break
			}
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) < 4 {
			t.Fatalf("%s: malformed row %q", path, line)
		}
		name := strings.Trim(strings.TrimSpace(cols[1]), "`")
		r := rule{pkg: name}
		for _, m := range cell.FindAllStringSubmatch(cols[2], -1) {
			if m[1] != "" {
				r.deny = append(r.deny, m[2])
			} else {
				r.allow = append(r.allow, m[2])
			}
		}
		rules[name] = r
	}
	if len(rules) == 0 {
		t.Fatalf("%s: no import table found", path)
	}
	return rules
}

func under(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }

// ruleFor returns the row of p or of its nearest ancestor that has one.
func ruleFor(rules map[string]rule, p string) (rule, bool) {
	for q := p; q != "." && q != ""; q = filepath.Dir(q) {
		if r, ok := rules[q]; ok {
			return r, true
		}
	}
	return rule{}, false
}

func (r rule) allows(imp string) bool {
	for _, d := range r.deny {
		if under(imp, d) {
			return false
		}
	}
	for _, a := range r.allow {
		if under(imp, a) {
			return true
		}
	}
	return false
}

type listed struct {
	ImportPath string
	Imports    []string
}

func TestImports(t *testing.T) {
	root := corpus.ModuleRoot(t)
	rules := readRules(t, filepath.Join(root, "docs", "architecture.md"))
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var problems []string
	n := 0
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		n++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		r, ok := ruleFor(rules, rel)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no row in docs/architecture.md's import table", rel))
			continue
		}
		// Only what the package's code links counts: tests may use any package of the
		// module (real loaders for fixtures, the test control plane).
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			irel := strings.TrimPrefix(imp, module+"/")
			if irel == rel {
				continue
			}
			if !r.allows(irel) {
				problems = append(problems, fmt.Sprintf("%s imports %s: not allowed by the row %q", rel, irel, r.pkg))
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list listed %d packages; expected the whole module", n)
	}
	sort.Strings(problems)
	for _, p := range dedupe(problems) {
		t.Error(p)
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// The checker itself: a table with a denied import and an unlisted package must fail.
func TestRuleMatching(t *testing.T) {
	r := rule{pkg: "internal/cli", allow: []string{"pkg/validate", "pkg/load"}, deny: []string{"pkg/validate/full"}}
	for imp, want := range map[string]bool{
		"pkg/validate": true, "pkg/validate/full": false, "pkg/validate/fullx": true,
		"pkg/load/compose": true, "pkg/loader": false, "pkg/apply": false,
	} {
		if got := r.allows(imp); got != want {
			t.Errorf("allows(%q) = %v, want %v", imp, got, want)
		}
	}
	rules := map[string]rule{"pkg/validate": {pkg: "pkg/validate"}}
	if _, ok := ruleFor(rules, "pkg/validate/internal/capture"); !ok {
		t.Error("a subpackage does not follow its parent's row")
	}
	if _, ok := ruleFor(rules, "pkg/newthing"); ok {
		t.Error("a new top-level package matched a row")
	}
}
