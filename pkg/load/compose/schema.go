package compose

import (
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

var (
	reAdditional = lazyRegexp(`^additional properties? (.+) not allowed$`)
	reQuoted     = lazyRegexp(`'([^']*)'`)
)

// schema explains a compose-spec JSON schema violation ("<path> <problem>").
func (x *explainer) schema(msg string) error {
	path, problem := "", strings.TrimSpace(msg)
	if !strings.HasPrefix(msg, " ") && !reAdditional().MatchString(problem) {
		path, problem, _ = strings.Cut(msg, " ")
	}
	path = composePath(path)
	if m := reAdditional().FindStringSubmatch(problem); m != nil {
		keys := reQuoted().FindAllStringSubmatch(m[1], -1)
		if len(keys) > 0 {
			return x.unknownKey(path, keys[0][1])
		}
	}
	if problem == "false schema" {
		parent, key := parentPath(path), path[len(parentPath(path)):]
		return x.unknownKey(parent, strings.TrimLeft(key, "."))
	}
	if rest, ok := strings.CutPrefix(problem, "must be a "); ok {
		problem = "must be " + article(strings.ReplaceAll(rest, "array", "list"))
	}
	return x.at(path, "%s", problem)
}

func article(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// unknownKey reports key under parent, suggesting the closest known key.
func (x *explainer) unknownKey(parent, key string) error {
	field := key
	if parent != "" {
		field = parent + "." + key
	}
	if parent == "services" {
		return x.at(field, "invalid service name %q: use only letters, digits, '.', '_' and '-'", key)
	}
	if parent == "volumes" || parent == "networks" || parent == "secrets" || parent == "configs" {
		return x.at(field, "invalid %s name %q: use only letters, digits, '.', '_' and '-'", strings.TrimSuffix(parent, "s"), key)
	}
	known := knownKeys(parent)
	if slices.Contains(known, key) {
		return x.at(field, "key %q is not allowed here", key)
	}
	hint := ""
	if s := suggest(key, known); s != "" {
		hint = "; did you mean " + s + "?"
	}
	return x.at(field, "unknown key %q%s", key, hint)
}

// knownKeys lists the keys compose accepts under a path, from compose-go's own types.
func knownKeys(parent string) []string {
	parts := strings.Split(parent, ".")
	var t reflect.Type
	switch {
	case parent == "":
		return append(yamlKeys(reflect.TypeOf(types.Project{})), "include", "version")
	case len(parts) == 2 && parts[0] == "services":
		t = reflect.TypeOf(types.ServiceConfig{})
	case len(parts) == 3 && parts[0] == "services":
		t = map[string]reflect.Type{
			"healthcheck": reflect.TypeOf(types.HealthCheckConfig{}),
			"deploy":      reflect.TypeOf(types.DeployConfig{}),
			"build":       reflect.TypeOf(types.BuildConfig{}),
			"logging":     reflect.TypeOf(types.LoggingConfig{}),
		}[parts[2]]
	case len(parts) == 2 && parts[0] == "volumes":
		t = reflect.TypeOf(types.VolumeConfig{})
	case len(parts) == 2 && parts[0] == "networks":
		t = reflect.TypeOf(types.NetworkConfig{})
	case len(parts) == 2 && (parts[0] == "secrets" || parts[0] == "configs"):
		t = reflect.TypeOf(types.FileObjectConfig{})
	}
	if t == nil {
		return nil
	}
	return yamlKeys(t)
}

func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct:
			out = append(out, yamlKeys(f.Type)...)
		case name != "" && name != "-" && !strings.HasPrefix(name, "#"):
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// suggest returns the known key closest to key (edit distance at most 2 or a third of it).
func suggest(key string, known []string) string {
	best, bestD := "", len(key)/3+2
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
