package convert_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/ecs"
	"github.com/docker/go-units"
	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// The report's truth: for every app of the corpora (Compose and ECS) and every golden case, each
// input field the report calls `mapped` is checked against the output. Every target that names
// an object ("Kind/name") must name an object of the output, and a target with a field path
// must resolve in it. A scalar input value (not interpolated) must be carried by one of its
// targets: equal, or equal after a documented transform (durations to seconds, sizes to bytes,
// CPUs to millicores, ECS CPU units to millicores, "KEY=VALUE" to VALUE, a port pair to
// either port). A field whose value the output changes must be `partial` with the reason, never
// `mapped` (docs/report.md).

// truthTarget is "Kind/name" with an optional field path after a space.
var truthTarget = regexp.MustCompile(`^([A-Z][A-Za-z]+)/([^ ]+)(?: (.+))?$`)

// truthStats counts what the check looked at, so a run that checks nothing is visible.
type truthStats struct {
	apps, mapped, targets, valued, carried int
}

func TestReportTruth(t *testing.T) {
	var st truthStats
	var problems []string
	check := func(file, variant string, res *convert.Result) {
		st.apps++
		problems = append(problems, reportTruth(file+variant, filepath.Dir(file), res, &st)...)
	}
	_, files, _ := auditApps(t)
	for _, f := range files {
		app, err := loadCompose(t, f)
		if err != nil {
			continue
		}
		for _, opts := range []convert.Options{{}, {Provider: convert.ProviderAWS, Domain: "example.com"}} {
			res, err := convert.Convert(app, opts)
			if err != nil {
				continue
			}
			check(f, " provider="+opts.Provider, res)
		}
	}
	for _, f := range ecsTruthFiles() {
		app, err := ecs.Load(ecs.Options{Files: []string{f}})
		if err != nil {
			continue
		}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			continue
		}
		check(f, "", res)
	}
	t.Logf("%d conversions, %d mapped fields, %d object targets checked, %d scalar values checked, %d carried",
		st.apps, st.mapped, st.targets, st.valued, st.carried)
	if st.targets == 0 || st.valued == 0 {
		t.Fatal("nothing was checked")
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// ecsTruthFiles are the ECS task definitions of the corpus and of the repository's tests.
func ecsTruthFiles() []string {
	var out []string
	_ = filepath.WalkDir(filepath.Join("..", "..", "..", "shared", "corpus", "ecs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			out = append(out, p)
		}
		return nil
	})
	for _, glob := range []string{"../load/ecs/testdata/*/*.json", "../../internal/cli/testdata/golden/*/task.json"} {
		m, _ := filepath.Glob(glob)
		out = append(out, m...)
	}
	return out
}

// reportTruth checks one conversion's mapped fields and returns the problems found.
// Input positions name files relative to dir, the directory of the first input file.
func reportTruth(name, dir string, res *convert.Result, st *truthStats) []string {
	objects := map[string]map[string]any{}
	for _, o := range res.Objects {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", name, err)}
		}
		objects[o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName()] = u
	}
	inputs := map[string]any{}
	nodes := map[string]*yaml.Node{}
	var problems []string
	for _, a := range res.Accounts {
		if a.Outcome != diag.Mapped || a.Empty {
			continue
		}
		st.mapped++
		file := a.Pos.File
		if file != "" && !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		in, hasIn := inputValue(inputs, file, a.Path)
		if !hasIn {
			// a field taken from another file by extends (services.zabbix-server.restart is
			// services.server-pgsql.restart of compose_zabbix_components.yaml): the value at
			// the field's position
			in, hasIn = inputValueAt(nodes, file, a.Pos.Line, a.Pos.Column)
		}
		var outs []any
		for _, tg := range a.Targets {
			m := truthTarget.FindStringSubmatch(tg)
			if m == nil {
				continue // prose: "object names and the app.kubernetes.io/name label"
			}
			st.targets++
			obj, ok := objects[m[1]+"/"+m[2]]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s: mapped to %s, which the output does not have", name, a.Path, tg))
				continue
			}
			if m[3] == "" {
				continue
			}
			v, ok := resolvePath(obj, m[3])
			if !ok {
				if hasIn && falsy(in) {
					continue // false, 0 and "" are the API's defaults: omitted from the output
				}
				if s, ok := scalarString(in); ok && hasIn && strings.Contains(s, "$") {
					continue // interpolated (restart: ${RESTART:-always}): the value is the goldens' business
				}
				if s, ok := scalarString(in); ok && hasIn && inputForms(s, dir, a.Path)[apiDefaults[lastSegment(m[3])]] {
					continue // the transform's result is the API's default: omitted from the output
				}
				problems = append(problems, fmt.Sprintf("%s: %s: mapped to %s, which the object does not set", name, a.Path, tg))
				continue
			}
			outs = append(outs, v)
			if k, ok := lastKey(m[3]); ok {
				outs = append(outs, k) // data.KEY carries a variable's name as its key
			}
		}
		if !hasIn || len(outs) == 0 {
			continue
		}
		s, scalar := scalarString(in)
		if !scalar || strings.Contains(s, "$") || falsy(in) || enumWord.MatchString(s) {
			// Interpolated values are compared by the goldens; zero values mean "unset"; ECS
			// enums (ENABLED, HEALTHY, WINDOWS_SERVER_2019_CORE) choose a structure, not a value.
			continue
		}
		if reference.MatchString(a.Path) || defaults[lastSegment(a.Path)] == s {
			continue
		}
		if _, isBool := in.(bool); (isBool || s == "true" || s == "false") && !anyBool(outs) {
			continue // a switch that chooses a structure (essential: false → a sidecar)
		}
		st.valued++
		if carried(inputForms(s, dir, a.Path), outs) {
			st.carried++
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: %s = %q is reported mapped to %s, which carry %s", name, a.Path, s, strings.Join(a.Targets, ", "), brief(outs)))
	}
	return problems
}

// inputValue returns the raw input value at path in file (YAML or JSON, read once per file).
func inputValue(cache map[string]any, file, path string) (any, bool) {
	if file == "" {
		return nil, false
	}
	doc, ok := cache[file]
	if !ok {
		data, err := os.ReadFile(file)
		if err == nil {
			if strings.HasSuffix(file, ".json") {
				err = json.Unmarshal(data, &doc)
			} else {
				err = yaml.Unmarshal(data, &doc)
			}
		}
		if err != nil {
			doc = nil
		}
		cache[file] = doc
	}
	if doc == nil {
		return nil, false
	}
	v, ok := resolvePath(doc, path)
	if !ok {
		// ECS task files may wrap the task: {"taskDefinition": {...}}.
		if m, isMap := doc.(map[string]any); isMap {
			if inner, has := m["taskDefinition"]; has {
				return resolvePath(inner, path)
			}
		}
	}
	return v, ok
}

// inputValueAt returns the value of the YAML mapping entry whose key (or value) stands at
// line:col of file.
func inputValueAt(cache map[string]*yaml.Node, file string, line, col int) (any, bool) {
	if file == "" || line == 0 || strings.HasSuffix(file, ".json") {
		return nil, false
	}
	root, ok := cache[file]
	if !ok {
		root = &yaml.Node{}
		if data, err := os.ReadFile(file); err != nil || yaml.Unmarshal(data, root) != nil {
			root = nil
		}
		cache[file] = root
	}
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i := 0; found == nil && i < len(n.Content); i++ {
			c := n.Content[i]
			if n.Kind == yaml.MappingNode && i%2 == 0 && i+1 < len(n.Content) {
				if v := n.Content[i+1]; (c.Line == line && c.Column == col) || (v.Line == line && v.Column == col) {
					found = v
					return
				}
			}
			walk(c)
		}
	}
	if root == nil {
		return nil, false
	}
	walk(root)
	if found == nil {
		return nil, false
	}
	var v any
	if found.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// resolvePath walks a field path (a.b[0].c, annotations[key/with.dots], data.key.with.dots)
// through decoded YAML/JSON. A map key may contain dots: the longest key that matches wins.
func resolvePath(v any, path string) (any, bool) {
	for path != "" {
		path = strings.TrimPrefix(path, ".")
		switch x := v.(type) {
		case map[string]any:
			if strings.HasPrefix(path, "[") {
				end := strings.Index(path, "]")
				if end < 0 {
					return nil, false
				}
				next, ok := x[path[1:end]]
				if !ok {
					return nil, false
				}
				v, path = next, path[end+1:]
				continue
			}
			best := ""
			for k := range x {
				if (path == k || strings.HasPrefix(path, k+".") || strings.HasPrefix(path, k+"[")) && len(k) > len(best) {
					best = k
				}
			}
			if best == "" {
				return nil, false
			}
			v, path = x[best], path[len(best):]
		case []any:
			if !strings.HasPrefix(path, "[") {
				return nil, false
			}
			end := strings.Index(path, "]")
			if path[1:end] == "*" { // any element
				for _, e := range x {
					if r, ok := resolvePath(e, path[end+1:]); ok {
						return r, true
					}
				}
				return nil, false
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v, path = x[i], path[end+1:]
		default:
			return nil, false
		}
	}
	return v, true
}

// falsy reports a value the API omits: false, 0, "", empty.
func falsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == "" || x == "0" || x == "false"
	case int:
		return x == 0
	case int64:
		return x == 0
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// scalarString renders a scalar input value; ok is false for lists and maps.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// enumWord is an ECS enum value.
var enumWord = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// restartPolicies is the documented transform of Compose's restart and
// deploy.restart_policy.condition values (docs/mapping.md).
var restartPolicies = map[string]string{"no": "Never", "none": "Never", "always": "Always", "unless-stopped": "Always",
	"on-failure": "OnFailure", "any": "Always"}

// reference matches fields that name another input object (a container, a Compose file of
// variables): they are carried by the structure they select, which the goldens show.
var reference = regexp.MustCompile(`(containerName|sourceContainer|env_file(\[\d+\])?(\.path)?)$`)

// defaults are input values that equal the platform's default and need nothing in the output.
var defaults = map[string]string{"rootDirectory": "/", "scope": "task", "driver": "local"}

// apiDefaults are the API's defaults of output fields berth leaves unset.
var apiDefaults = map[string]string{"restartPolicy": "Always"}

// lastSegment is the last name of a field path.
func lastSegment(p string) string {
	p = strings.TrimRight(p, "]")
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[i+1:]
	}
	return p
}

// lastKey is KEY of a target path data.KEY or annotations[KEY].
func lastKey(p string) (string, bool) {
	if k, ok := strings.CutPrefix(p, "data."); ok {
		return k, true
	}
	if i := strings.LastIndex(p, "["); i >= 0 && strings.HasSuffix(p, "]") {
		if _, err := strconv.Atoi(p[i+1 : len(p)-1]); err != nil {
			return p[i+1 : len(p)-1], true
		}
	}
	return "", false
}

// anyBool reports whether an output value is a boolean.
func anyBool(outs []any) bool {
	for _, o := range outs {
		if _, ok := o.(bool); ok {
			return true
		}
	}
	return false
}

// inputForms are the documented transforms of an input scalar: the value itself, a duration
// in seconds, a size in bytes, CPUs and ECS CPU units in millicores, the value of KEY=VALUE,
// the ports of a port pair.
func inputForms(s, dir, path string) map[string]bool {
	f := map[string]bool{s: true, strings.ToLower(s): true, strings.TrimPrefix(s, "CAP_"): true,
		strings.ReplaceAll(strings.ToLower(s), "_", "-"): true, unquoted(s): true} // DNS-1123 names; shell words
	if strings.HasSuffix(path, ".restart") || strings.HasSuffix(path, ".restart_policy.condition") {
		f[restartPolicies[s]] = true
	}
	if strings.Contains(path, ".security_opt[") && strings.HasPrefix(s, "no-new-privileges") {
		f["false"] = true // no-new-privileges is allowPrivilegeEscalation: false (docs/mapping.md)
	}
	if user, _, _ := strings.Cut(s, ":"); strings.HasSuffix(path, ".user") && user == "root" {
		f["n:0"] = true // the user name root is UID 0 everywhere
	}
	if strings.HasSuffix(path, ".file") {
		// a file reference (Compose secrets and configs) is carried as the file's content
		if data, err := os.ReadFile(filepath.Join(dir, s)); err == nil {
			f[string(data)], f[strings.TrimSpace(string(data))] = true, true
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		f["s:"+strconv.FormatInt(int64(d/time.Second), 10)] = true
	}
	if b, err := units.RAMInBytes(s); err == nil && b > 0 {
		f["b:"+strconv.FormatInt(b, 10)] = true
		f["b:"+strconv.FormatInt(b*1024*1024, 10)] = true // ECS memory is MiB
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		f["n:"+strconv.FormatFloat(n, 'f', -1, 64)] = true
		f["m:"+strconv.FormatInt(int64(math.Round(n*1000)), 10)] = true
		f["m:"+strconv.FormatInt(int64(math.Round(n*1000/1024)), 10)] = true // ECS CPU units
		f["s:"+strconv.FormatFloat(n, 'f', -1, 64)] = true
	}
	if k, v, ok := strings.Cut(s, "="); ok && k != "" {
		f[v] = true
	}
	if _, v, ok := strings.Cut(s, "=="); ok && strings.Contains(path, ".placement.constraints[") {
		v = strings.TrimSpace(v)
		f[v] = true // a placement constraint ATTRIBUTE == VALUE selects VALUE (swarm's arch names as Go's)
		f[map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}[v]] = true
	}
	// Compose short syntax: HOST:CONTAINER, SOURCE:TARGET:MODE, PATH:OPTIONS.
	for _, part := range strings.Split(s, ":") {
		if !strings.HasPrefix(part, "/") {
			part, _, _ = strings.Cut(part, "/") // 80/tcp
		}
		f[part] = true
		f["n:"+part] = true
		if strings.HasPrefix(part, "/") {
			f[filepath.ToSlash(filepath.Clean(part))] = true // mount paths are cleaned: /etc/pihole/ → /etc/pihole
		}
	}
	if strings.HasPrefix(s, "/") {
		p, _, _ := strings.Cut(s, ":")
		f[p] = true
	}
	return f
}

// carried reports whether any output value, or any scalar inside one, has a form in want: a
// list of strings also as its words joined (a command line split), a probe as its window
// (failureThreshold × periodSeconds + initialDelaySeconds, at least the input's duration:
// probes are never stricter than Compose).
func carried(want map[string]bool, outs []any) bool {
	for _, o := range outs {
		found := false
		walkValues(o, func(v any) {
			switch x := v.(type) {
			case []any:
				var words []string
				for _, e := range x {
					if s, ok := e.(string); ok {
						words = append(words, s)
					}
				}
				if len(words) == len(x) && want[unquoted(strings.Join(words, " "))] {
					found = true
				}
			case map[string]any:
				if w, ok := probeWindow(x); ok {
					for form := range want {
						if n, err := strconv.ParseFloat(strings.TrimPrefix(form, "s:"), 64); strings.HasPrefix(form, "s:") && err == nil && w >= n {
							found = true
						}
					}
				}
			}
		})
		walkScalars(o, func(s string) {
			for form := range outputForms(s) {
				if want[form] {
					found = true
				}
			}
		})
		if found {
			return true
		}
	}
	return false
}

// unquoted drops quotes and blanks: a command line and the argv it was split into compare equal.
func unquoted(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\'' || r == ' ' || r == '\t' || r == '\n' || r == '\r' { // a folded command: >
			return -1
		}
		return r
	}, s)
}

// probeWindow is the time a probe allows before it fails: failureThreshold × periodSeconds +
// initialDelaySeconds (the API's defaults 3 and 10 when unset).
func probeWindow(m map[string]any) (float64, bool) {
	if _, ok := m["periodSeconds"]; !ok {
		return 0, false
	}
	num := func(k string, def float64) float64 {
		switch x := m[k].(type) {
		case int64:
			return float64(x)
		case float64:
			return x
		case int32:
			return float64(x)
		}
		return def
	}
	return num("failureThreshold", 3)*num("periodSeconds", 10) + num("initialDelaySeconds", 0), true
}

// walkValues calls fn on v and every list and map inside it.
func walkValues(v any, fn func(any)) {
	fn(v)
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			walkValues(e, fn)
		}
	case []any:
		for _, e := range x {
			walkValues(e, fn)
		}
	}
}

// walkScalars calls fn on every scalar and map key inside v (Secret data also decoded).
func walkScalars(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fn(k)
			walkScalars(e, fn)
		}
	case []any:
		for _, e := range x {
			walkScalars(e, fn)
		}
	default:
		if s, ok := scalarString(x); ok {
			fn(s)
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				fn(string(b)) // Secret data
			}
		}
	}
}

// outputForms are the forms an output scalar can match: itself, a number, a quantity in bytes
// and millicores, seconds.
func outputForms(s string) map[string]bool {
	f := map[string]bool{s: true, strings.ToLower(s): true}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		f["n:"+strconv.FormatFloat(n, 'f', -1, 64)] = true
		f["s:"+strconv.FormatFloat(n, 'f', -1, 64)] = true
	}
	if q, err := resource.ParseQuantity(s); err == nil {
		f["b:"+strconv.FormatInt(q.Value(), 10)] = true
		f["m:"+strconv.FormatInt(q.MilliValue(), 10)] = true
	}
	// names berth prefixes with the app's or task's name (vols-scratch for volume scratch),
	// and CSI handles (fs-1234::fsap-1)
	for rest := s; ; {
		_, after, found := strings.Cut(rest, "-")
		if !found {
			break
		}
		f[after] = true
		rest = after
	}
	for _, part := range strings.Split(s, ":") {
		f[part] = true
	}
	return f
}

// brief renders output values for a message, shortened.
func brief(outs []any) string {
	b, _ := json.Marshal(outs)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
