// Package corpus locates berth's real-world inputs for tests: ../shared/corpus beside the
// module root (never copied into the repository; see its README for sources and licenses), and
// the module root itself (ModuleRoot).
// Tests read the files in place and skip when the corpus is absent. Only tests import it.
package corpus

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

// Dir returns ../shared/corpus/<sub> (compose, ecs) relative to the module root, or skips the
// test when it is absent.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	c := Path(t, sub)
	if _, err := os.Stat(c); err != nil {
		t.Skipf("corpus not present at %s (it lives next to the repository, not in it)", c)
	}
	return c
}

// Path returns ../shared/corpus/<sub> relative to the module root, present or not (for tests
// that also run without it).
func Path(t testing.TB, sub string) string {
	t.Helper()
	return filepath.Join(ModuleRoot(t), "..", "shared", "corpus", sub)
}

// ModuleRoot returns the module's root directory: the nearest directory above the test's
// working directory that holds a go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

var (
	// composeName matches every Compose file: compose.yaml, docker-compose.yml, and overlays
	// such as compose.override.yaml or filebeat-compose.yml.
	composeName = regexp.MustCompile(`(^|[-_.])compose([-_.].*)?\.ya?ml$`)
	// projectName matches the files a project is started from (compose*.yaml,
	// docker-compose*.yml), not the fragments of its extensions (filebeat-compose.yml).
	projectName = regexp.MustCompile(`^(docker-)?compose[\w.-]*\.ya?ml$`)
	// defaultName and overrideName are the files docker compose finds without -f.
	defaultName  = regexp.MustCompile(`^(docker-)?compose\.ya?ml$`)
	overrideName = regexp.MustCompile(`^(docker-)?compose\.override\.ya?ml$`)
)

// ComposeFiles lists every Compose file under dir, sorted; none is a test failure.
func ComposeFiles(t testing.TB, dir string) []string {
	t.Helper()
	return walk(t, dir, composeName)
}

// ProjectFiles lists the Compose files under dir a project is started from, sorted: not the
// override files, which docker compose loads with their project file (Override), never alone,
// and not the fragments another project file takes services from (extends.file) or includes
// (Zabbix's compose_zabbix_components.yaml: its services name networks and secrets only the
// project file declares).
func ProjectFiles(t testing.TB, dir string) []string {
	t.Helper()
	files := walk(t, dir, projectName)
	fragment := map[string]bool{}
	for _, f := range files {
		for _, ref := range referenced(f) {
			fragment[ref] = true
		}
	}
	var out []string
	for _, f := range files {
		if !overrideName.MatchString(filepath.Base(f)) && !fragment[f] {
			out = append(out, f)
		}
	}
	return out
}

// referenced returns the files Compose file f takes services from (services.*.extends.file)
// or includes (include: a path, or path: one or a list), as paths beside f; nil when f does
// not parse.
func referenced(f string) []string {
	data, err := os.ReadFile(f)
	if err != nil {
		return nil
	}
	var doc struct {
		Services map[string]struct {
			Extends any `yaml:"extends"`
		} `yaml:"services"`
		Include []any `yaml:"include"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	add := func(v any) {
		if p, ok := v.(string); ok && p != "" {
			out = append(out, filepath.Join(filepath.Dir(f), p))
		}
	}
	for _, svc := range doc.Services {
		if m, ok := svc.Extends.(map[string]any); ok {
			add(m["file"])
		}
	}
	for _, inc := range doc.Include {
		switch x := inc.(type) {
		case string:
			add(x)
		case map[string]any:
			if list, ok := x["path"].([]any); ok {
				for _, p := range list {
					add(p)
				}
			} else {
				add(x["path"])
			}
		}
	}
	return out
}

// Override returns the override file docker compose up (without -f) loads together with file,
// a default-named project file (compose.yaml, docker-compose.yml, ...) beside it, or "".
// Zulip's install docs ask for one (cp compose.override.yaml.example compose.override.yaml).
func Override(file string) string {
	if !defaultName.MatchString(filepath.Base(file)) {
		return ""
	}
	for _, o := range []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"} {
		if ov := filepath.Join(filepath.Dir(file), o); isFile(ov) {
			return ov
		}
	}
	return ""
}

// profiles are the Compose profiles an app's install docs activate (docker compose --profile P
// up), by the project file's path under the corpus folder.
var profiles = map[string][]string{
	// the file's header: "default: All-in-one service + database + auto-migration (recommended
	// for most users)"; every service has a profile, so none runs without one
	"hoppscotch/docker-compose.yml": {"default"},
}

// Profiles returns the profiles the install docs of the app whose project file is file (under
// a corpus folder) activate, nil for none.
func Profiles(file string) []string {
	slashed := filepath.ToSlash(file)
	for rel, p := range profiles {
		if strings.HasSuffix(slashed, "/"+rel) {
			return p
		}
	}
	return nil
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && !fi.IsDir()
}

// TaskFiles lists the ECS task definitions of the corpus: dir/<source>/*.json, sorted.
func TaskFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no task definitions in %s: %v", dir, err)
	}
	sort.Strings(files)
	return files
}

func walk(t testing.TB, dir string, name *regexp.Regexp) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && name.MatchString(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no Compose files in %s: %v", dir, err)
	}
	sort.Strings(files)
	return files
}
