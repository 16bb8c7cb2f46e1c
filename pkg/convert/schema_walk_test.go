package convert_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/compose-spec/compose-go/v2/schema"
	"sigs.k8s.io/yaml"
)

// TestEverySchemaFieldIsAccounted walks the compose-spec JSON schema compose-go embeds (the one
// it validates with) over every property path under services, volumes, networks, configs,
// secrets, models and jobs, writes one Compose file per path that sets that field (a minimal valid
// value of its JSON-schema type, with the object's required siblings; hand-written in
// fixtureValues where the type says too little), loads and converts it, and fails on any
// input field the report leaves `unhandled` with no warning about it: every field berth reads
// is mapped, ignored with a reason, or warned about (docs/mapping.md, "Every field is
// accounted"). A fixture that does not load is a failure too, so no path escapes unnoticed.
func TestEverySchemaFieldIsAccounted(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal([]byte(schema.Schema), &root); err != nil {
		t.Fatal(err)
	}
	g := &schemaGen{defs: root["$defs"].(map[string]any)}
	props := root["properties"].(map[string]any)
	for _, sec := range []struct{ section, entry string }{
		{"services", "web"}, {"volumes", "data"}, {"networks", "front"}, {"configs", "cfg"}, {"secrets", "sec"}, {"models", "llm"},
		{"jobs", "cleanup"},
	} {
		entry := firstPattern(g.resolve(props[sec.section].(map[string]any)))
		g.walk(entry, sec.section+"."+sec.entry, nil)
	}
	walked := map[string]bool{}
	for _, f := range g.fields {
		walked[f.path] = true
	}
	for p := range schemaExceptions {
		if !walked[p] {
			t.Errorf("exception %s names no property path of the schema: remove it", p)
		}
	}
	if len(g.fields) < 300 {
		t.Fatalf("the walk found %d property paths: the schema walk is broken", len(g.fields))
	}
	dir := t.TempDir()
	var problems []string
	checked, refused := 0, 0
	for _, f := range g.fields {
		if why, ok := schemaExceptions[f.path]; ok {
			t.Logf("%s: not checked: %s", f.path, why)
			continue
		}
		doc := g.document(f)
		data, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "compose.yaml")
		for name, content := range map[string]string{"compose.yaml": string(data), "app.env": "A=b\n", "labels.txt": "a=b\n", "secret.txt": "s3cr3t-value\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		app, err := compose.Load(context.Background(), compose.Options{Files: []string{file}, Environ: []string{"PWD=" + dir}})
		if err != nil {
			problems = append(problems, f.path+": the fixture does not load (fix fixtureValues): "+err.Error()+"\n"+string(data))
			continue
		}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			refused++ // a user error names the field: stderr says it
			t.Logf("%s: refused: %v", f.path, err)
			continue
		}
		checked++
		for _, a := range res.Accounts {
			if a.Outcome == diag.Unhandled && !a.Empty && !warned(res.Diagnostics, a.Service, a.Path) {
				problems = append(problems, f.path+": "+a.Path+" is unhandled and no warning names it")
			}
		}
	}
	t.Logf("%d property paths, %d converted and checked, %d refused with an error, %d exceptions", len(g.fields), checked, refused, len(schemaExceptions))
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// warned reports a warning (or error) about field, a parent or a child of it.
func warned(ds diag.List, service, field string) bool {
	for _, d := range ds {
		if d.Severity == diag.Info || d.Field == "" || d.Service != service {
			continue
		}
		if d.Field == field || strings.HasPrefix(field, d.Field+".") || strings.HasPrefix(field, d.Field+"[") ||
			strings.HasPrefix(d.Field, field+".") || strings.HasPrefix(d.Field, field+"[") {
			return true
		}
	}
	return false
}

// fixtureValues are hand-written values for paths whose JSON-schema type admits values
// Compose refuses or that name another object ("[]" is any list item; a pre_start hook's
// fields use the service's). The base document defines configs.cfg, secrets.sec,
// networks.front, volumes.data, models.llm and service db, and the files app.env,
// labels.txt and secret.txt.
var fixtureValues = map[string]any{
	"services.web.configs":                      []any{"cfg"},
	"services.web.configs[].source":             "cfg",
	"services.web.secrets":                      []any{"sec"},
	"services.web.secrets[].source":             "sec",
	"services.web.build.secrets":                []any{"sec"},
	"services.web.build.secrets[].source":       "sec",
	"services.web.container_name":               "web-1",
	"services.web.depends_on":                   []any{"db"},
	"services.web.links":                        []any{"db"},
	"services.web.volumes_from":                 []any{"db"},
	"services.web.extends":                      "db",
	"services.web.extends.service":              "db",
	"services.web.extends.file":                 "compose.yaml",
	"services.web.env_file":                     "app.env",
	"services.web.env_file[].path":              "app.env",
	"services.web.label_file":                   "labels.txt",
	"services.web.expose":                       []any{"8080"},
	"services.web.models":                       []any{"llm"},
	"services.web.networks":                     []any{"front"},
	"services.web.pull_policy":                  "always",
	"services.web.storage_opt":                  map[string]any{"size": "1G"},
	"services.web.deploy.mode":                  "global",
	"services.web.devices[].source":             "/dev/fuse",
	"services.web.volumes[].source":             "data",
	"services.web.volumes[].target":             "/data",
	"services.web.volumes[].type":               "volume",
	"configs.cfg.file":                          "labels.txt",
	"configs.cfg.environment":                   "HOME",
	"secrets.sec.file":                          "secret.txt",
	"services.web.deploy.resources.limits.cpus": "0.5",
	"services.web.build.additional_contexts":    map[string]any{"base": "."},
	"services.web.env_file[].format":            "raw",
	"services.web.ports[].host_ip":              "127.0.0.1",
}

// fixtureItems are the other fields a long-syntax list item needs, by item path (and by the
// item path and its first key, which wins).
var fixtureItems = map[string]map[string]any{
	"services.web.ports[]":                                            {"target": 80},
	"services.web.devices[]":                                          {"source": "/dev/fuse", "target": "/dev/fuse"},
	"services.web.configs[]":                                          {"source": "cfg"},
	"services.web.secrets[]":                                          {"source": "sec"},
	"services.web.build.secrets[]":                                    {"source": "sec"},
	"services.web.env_file[]":                                         {"path": "app.env"},
	"services.web.volumes[]":                                          {"type": "volume", "source": "data", "target": "/data"},
	"services.web.volumes[].bind":                                     {"type": "bind", "source": "./", "target": "/mnt"},
	"services.web.volumes[].tmpfs":                                    {"type": "tmpfs", "target": "/tmp"},
	"services.web.volumes[].image":                                    {"type": "image", "source": "alpine:3.20", "target": "/img"},
	"services.web.volumes[].consistency":                              {"type": "bind", "source": "./", "target": "/mnt"},
	"services.web.gpus[]":                                             {"count": 1},
	"services.web.gpus[].device_ids":                                  {"capabilities": []any{"gpu"}},
	"services.web.deploy.resources.reservations.devices[].device_ids": {"capabilities": []any{"gpu"}},
	"services.web.deploy.resources.reservations.devices[]":            {"count": 1},
}

// fixturePath is path as fixtureValues and fixtureItems key it: a pre_start hook's fields
// are the service's.
func fixturePath(path string) string {
	path = strings.Replace(path, "jobs.cleanup.", "services.web.", 1)
	return strings.Replace(path, ".pre_start[].", ".", 1)
}

// durations, sizes and numbers by field name, for the many fields of those kinds.
var fixtureByName = map[string]any{
	"interval": "10s", "timeout": "5s", "start_period": "30s", "start_interval": "5s", "delay": "5s", "window": "30s",
	"monitor": "10s", "stop_grace_period": "10s", "memory": "64m", "mem_reservation": "64m", "mem_limit": "64m",
	"memswap_limit": "128m", "shm_size": "64m", "size": "1m", "count": 1, "cpu_count": 1, "cpu_percent": 10,
	"oom_score_adj": 100,
}

// schemaExceptions are property paths the test does not convert, each with the reason.
var schemaExceptions = map[string]string{
	"services.web.env_file[].format": "compose-go reads only the formats a program registers (dotenv.RegisterFormat) and berth registers none: " +
		"any value fails to load, with an error naming the field",
	"services.web.pre_start[].env_file[].format": "as services.web.env_file[].format",
	"jobs.cleanup.env_file[].format":             "as services.web.env_file[].format",
}

// schemaField is one property path and the objects it goes through.
type schemaField struct {
	path   string
	leaf   map[string]any
	levels []schemaLevel
}

// schemaLevel is one step of a path: key in the object whose schema is container, or an
// item of a list (key "[]").
type schemaLevel struct {
	key       string
	container map[string]any
}

type schemaGen struct {
	defs   map[string]any
	fields []schemaField
	depth  int
}

// resolve follows $ref and merges allOf into one schema.
func (g *schemaGen) resolve(s map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		s = g.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
	all, ok := s["allOf"].([]any)
	if !ok {
		return s
	}
	out := map[string]any{}
	props := map[string]any{}
	var req []any
	self := map[string]any{}
	for k, v := range s {
		if k != "allOf" {
			self[k] = v
		}
	}
	for _, part := range append([]any{self}, all...) {
		p := g.resolve(part.(map[string]any))
		if p == nil {
			continue
		}
		if pp, ok := p["properties"].(map[string]any); ok {
			for k, v := range pp {
				props[k] = v
			}
		}
		if r, ok := p["required"].([]any); ok {
			req = append(req, r...)
		}
		if t, ok := p["type"]; ok {
			out["type"] = t
		}
	}
	out["type"], out["properties"], out["required"] = "object", props, req
	return out
}

// alternatives are the resolved branches of a oneOf/anyOf, or the schema itself.
func (g *schemaGen) alternatives(s map[string]any) []map[string]any {
	s = g.resolve(s)
	if _, ok := s["properties"]; ok {
		return []map[string]any{s} // its anyOf only says which properties are required
	}
	var out []map[string]any
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[key].([]any); ok {
			for _, a := range alts {
				out = append(out, g.alternatives(a.(map[string]any))...)
			}
			return out
		}
	}
	return []map[string]any{s}
}

func firstPattern(s map[string]any) map[string]any {
	pp := s["patternProperties"].(map[string]any)
	for k, v := range pp {
		if !strings.HasPrefix(k, "^x-") {
			return v.(map[string]any)
		}
	}
	return nil
}

// walk records every property path below s, the schema at path, reached through levels.
func (g *schemaGen) walk(s map[string]any, path string, levels []schemaLevel) {
	if g.depth > 12 {
		return
	}
	g.depth++
	defer func() { g.depth-- }()
	for _, alt := range g.alternatives(s) {
		if props, ok := alt["properties"].(map[string]any); ok {
			for _, name := range sortedKeys(props) {
				child := path + "." + name
				lv := append(append([]schemaLevel(nil), levels...), schemaLevel{key: name, container: alt})
				ps := props[name].(map[string]any)
				g.fields = append(g.fields, schemaField{path: child, leaf: ps, levels: lv})
				g.walk(ps, child, lv)
			}
		}
		if items, ok := alt["items"].(map[string]any); ok && strings.Contains(typeOf(alt), "array") {
			g.walk(items, path+"[]", append(append([]schemaLevel(nil), levels...), schemaLevel{key: "[]"}))
		}
	}
}

func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i], _ = x.(string)
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// minimal is a minimal valid value of s at path.
func (g *schemaGen) minimal(s map[string]any, path string) any {
	if v, ok := fixtureValues[fixturePath(path)]; ok {
		return v
	}
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		if v, ok := fixtureByName[path[i+1:]]; ok {
			return v
		}
	}
	alts := g.alternatives(s)
	a := alts[0]
	for _, alt := range alts { // scalars first: the short syntax
		if t := typeOf(alt); t != "object" && t != "array" && t != "null" && t != "" {
			a = alt
			break
		}
	}
	if e, ok := a["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	t := typeOf(a)
	switch {
	case strings.Contains(t, "boolean"):
		return true
	case strings.Contains(t, "integer"), strings.Contains(t, "number"):
		return 1
	case strings.Contains(t, "string"):
		return "x"
	case t == "array":
		if items, ok := a["items"].(map[string]any); ok {
			return []any{g.minimal(items, path+"[]")}
		}
		return []any{"x"}
	}
	if props, ok := a["properties"].(map[string]any); ok {
		m := map[string]any{}
		for _, r := range requiredOf(a) {
			m[r] = g.minimal(props[r].(map[string]any), path+"."+r)
		}
		if len(m) > 0 {
			return m
		}
		for _, k := range sortedKeys(props) {
			return map[string]any{k: g.minimal(props[k].(map[string]any), path+"."+k)}
		}
	}
	if pp, ok := a["patternProperties"].(map[string]any); ok {
		for k, v := range pp {
			if !strings.HasPrefix(k, "^x-") {
				return map[string]any{"k": g.minimal(v.(map[string]any), path+".k")}
			}
		}
	}
	return "x"
}

func requiredOf(s map[string]any) []string {
	var out []string
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			out = append(out, x.(string))
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// document is the Compose file that sets f: a base app (service web, used by the volume,
// network, config, secret and model entries) with f's value and its objects' required
// siblings.
func (g *schemaGen) document(f schemaField) map[string]any {
	web := map[string]any{"image": "nginx:1.27.0"}
	doc := map[string]any{
		"services": map[string]any{"web": web, "db": map[string]any{"image": "postgres:16.4"}},
		"configs":  map[string]any{"cfg": map[string]any{"content": "x"}},
		"secrets":  map[string]any{"sec": map[string]any{"environment": "HOME"}},
		"networks": map[string]any{"front": map[string]any{}},
		"volumes":  map[string]any{"data": map[string]any{}},
		"models":   map[string]any{"llm": map[string]any{"model": "ai/smollm2"}},
	}
	parts := strings.Split(f.path, ".")
	if parts[0] == "jobs" {
		doc["jobs"] = map[string]any{"cleanup": map[string]any{"image": "busybox:1.36", "triggers": map[string]any{"manual": true}}}
	}
	section, key := parts[0], ""
	if len(parts) > 2 {
		key = parts[2]
	}
	entry := doc[section].(map[string]any)[parts[1]].(map[string]any)
	switch section {
	case "volumes":
		web["volumes"] = []any{"data:/data"}
	case "networks":
		web["networks"] = []any{"front"}
	case "configs", "secrets":
		if key == "file" || key == "environment" || key == "content" || key == "external" {
			delete(entry, "content")
			delete(entry, "environment")
		}
		web[section] = []any{parts[1]}
	case "models":
		web["models"] = []any{"llm"}
	}
	prefix := strings.Join(strings.Split(f.path, ".")[:2], ".")
	g.fill(entry, f.levels, prefix, g.minimal(f.leaf, f.path))
	return doc
}

// fill sets the value at levels below m (whose path is at), with required siblings.
func (g *schemaGen) fill(m map[string]any, levels []schemaLevel, at string, leaf any) {
	lv := levels[0]
	if lv.container != nil {
		props, _ := lv.container["properties"].(map[string]any)
		for _, r := range requiredOf(lv.container) {
			if _, set := m[r]; !set && r != lv.key && props[r] != nil {
				m[r] = g.minimal(props[r].(map[string]any), at+"."+r)
			}
		}
	}
	if len(levels) == 1 {
		m[lv.key] = leaf
		return
	}
	next := levels[1]
	child := map[string]any{}
	if next.key == "[]" {
		if len(levels) == 2 {
			m[lv.key] = []any{leaf}
			return
		}
		item := fixturePath(at + "." + lv.key + "[]")
		base := fixtureItems[item]
		if b, ok := fixtureItems[item+"."+levels[2].key]; ok {
			base = b
		}
		for k, v := range base {
			child[k] = v
		}
		g.fill(child, levels[2:], at+"."+lv.key+"[]", leaf)
		m[lv.key] = []any{child}
		return
	}
	if existing, ok := m[lv.key].(map[string]any); ok {
		child = existing
	}
	g.fill(child, levels[1:], at+"."+lv.key, leaf)
	m[lv.key] = child
}
