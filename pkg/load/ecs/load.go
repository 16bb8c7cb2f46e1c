package ecs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/yamlcheck"
	"github.com/berth-dev/berth/pkg/model"
)

// Options say what to load.
type Options struct {
	// Files are task definition files, in any supported form.
	Files []string
	// ServiceFiles are `aws ecs describe-services` outputs for what a task definition lacks
	// (replicas, rollout, load balancers, Service Connect names).
	ServiceFiles []string
	// ScheduleFiles are EventBridge schedules or rules that run a task definition on a
	// schedule (schedule.go): that task becomes a CronJob.
	ScheduleFiles []string
	// Schedules are ScheduleFiles read into memory (Load fills them; Parse reads them).
	Schedules []Source
	// Family names the task of a Terraform container_definitions array, which carries none.
	Family string
	// Name is the app name when several task definitions are loaded (default: the directory's).
	Name string
	// Dir is the project directory (default: the first file's directory).
	Dir string
}

// Load reads the files into one App: each task definition becomes one Service.
func Load(opts Options) (*model.App, error) {
	if len(opts.Files) == 0 {
		return nil, errors.New("no ECS task definition file given")
	}
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(opts.Files[0])
	}
	// Positions name files relative to the project directory, as for Compose.
	srcs := make([]source, 0, len(opts.Files))
	for _, f := range opts.Files {
		data, err := readFile(f)
		if err != nil {
			return nil, fmt.Errorf("read task definition: %w", err)
		}
		srcs = append(srcs, source{name: relTo(opts.Dir, f), data: data})
	}
	var svcs []source
	for _, f := range opts.ServiceFiles {
		data, err := readFile(f)
		if err != nil {
			return nil, fmt.Errorf("read ECS service file: %w", err)
		}
		svcs = append(svcs, source{name: relTo(opts.Dir, f), data: data})
	}
	for _, f := range opts.ScheduleFiles {
		data, err := readFile(f)
		if err != nil {
			return nil, fmt.Errorf("read ECS schedule file: %w", err)
		}
		opts.Schedules = append(opts.Schedules, source{name: relTo(opts.Dir, f), data: data})
	}
	return Parse(srcs, svcs, opts)
}

// readFile reads a file of at most yamlcheck.MaxFileBytes (a larger one is not read).
func readFile(path string) ([]byte, error) {
	if fi, err := os.Stat(path); err == nil {
		if err := yamlcheck.CheckSize(fi.Size()); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return os.ReadFile(path)
}

// source is one input file's name (as shown in errors) and content.
type source struct {
	name string
	data []byte
}

// Source is one input file's name and content, for Parse.
type Source = source

// NewSource pairs a file name with its content.
func NewSource(name string, data []byte) Source { return source{name: name, data: data} }

// task is one task definition found in an input file, not yet decoded.
type task struct {
	lines  *lines
	root   *node  // the file's top-level value
	node   *node  // the task definition object, or the container array (Terraform)
	path   string // its path in the file ("" at the top level)
	form   string
	family string // family given outside the task (Terraform --family, CloudFormation logical ID)
	name   string // the service name
}

// Input forms.
const (
	formRegister  = "register-task-definition"
	formDescribe  = "describe-task-definition"
	formCFN       = "cloudformation"
	formTerraform = "terraform"
)

// Parse loads task definitions (and optional describe-services outputs) from memory. It never
// panics; malformed input is a *diag.Err naming file:line:col, container and field.
func Parse(files, serviceFiles []Source, opts Options) (*model.App, error) {
	var tasks []*task
	for _, f := range files {
		ts, err := findTasks(f, opts.Family)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, ts...)
	}
	app := &model.App{Source: model.ECS, Dir: opts.Dir}
	for _, f := range files {
		app.Files = append(app.Files, f.name)
	}
	names := map[string]bool{}
	for _, t := range tasks {
		if names[t.name] {
			return nil, diag.Errorf(t.lines.pos(t.node.off), t.name, t.path, "two task definitions are both named %q; give each file its own family", t.name)
		}
		names[t.name] = true
	}
	for _, t := range tasks {
		prefix := ""
		if len(tasks) > 1 {
			prefix = t.name + ":"
		}
		svc, vols, fields, diags, err := loadTask(t, prefix)
		if err != nil {
			return nil, err
		}
		app.Services = append(app.Services, svc)
		app.Volumes = append(app.Volumes, vols...)
		app.Inputs = append(app.Inputs, fields...)
		app.Diagnostics = append(app.Diagnostics, diags...)
	}
	sort.SliceStable(app.Services, func(i, j int) bool { return app.Services[i].Name < app.Services[j].Name })
	sort.SliceStable(app.Volumes, func(i, j int) bool { return app.Volumes[i].Name < app.Volumes[j].Name })
	app.Name = appName(opts, app.Services)
	for _, f := range serviceFiles {
		if err := applyServiceFile(app, f); err != nil {
			return nil, err
		}
	}
	for _, f := range opts.Schedules {
		if err := applyScheduleFile(app, f); err != nil {
			return nil, err
		}
	}
	app.Diagnostics = app.Diagnostics.Sorted()
	return app, nil
}

func appName(opts Options, svcs []*model.Service) string {
	if opts.Name != "" {
		return sanitize(opts.Name)
	}
	if len(svcs) == 1 {
		return svcs[0].Name
	}
	dir, _ := filepath.Abs(opts.Dir)
	if n := sanitize(filepath.Base(dir)); n != "" {
		return n
	}
	return "ecs"
}

func relTo(dir, name string) string {
	if r, err := filepath.Rel(dir, name); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return name
}

// findTasks parses one file and finds the task definitions in it.
func findTasks(f source, family string) ([]*task, error) {
	if err := yamlcheck.CheckSize(int64(len(f.data))); err != nil {
		return nil, diag.Errorf(diag.Pos{File: f.name}, "", "", "%v", err)
	}
	ln := newLines(f.name, f.data)
	var root *node
	var err error
	if isYAML(f.data) {
		root, err = parseYAML(f.data, ln)
	} else {
		root, err = parse(f.data)
	}
	if err != nil {
		var oe *offsetError
		if errors.As(err, &oe) {
			return nil, diag.Errorf(ln.pos(oe.off), "", "", "%s", oe.msg)
		}
		return nil, diag.Errorf(diag.Pos{File: f.name}, "", "", "%v", err)
	}
	mk := func(n *node, path, form, fam string) *task {
		return &task{lines: ln, root: root, node: n, path: path, form: form, family: fam}
	}
	var out []*task
	switch {
	case root.kind == kArray:
		if family == "" {
			return nil, diag.Errorf(ln.pos(root.off), "", "", "a Terraform container_definitions array carries no family: name the task with --family")
		}
		out = append(out, mk(root, "", formTerraform, family))
	case root.kind != kObject:
		return nil, diag.Errorf(ln.pos(root.off), "", "", "want a task definition object, got %s", describe(root))
	case root.get("taskDefinition") != nil:
		out = append(out, mk(root, "", formDescribe, family))
	case isCFN(root):
		res, err := cfnResources(root)
		if err != nil {
			return nil, toDiag(err, ln, root, "")
		}
		for _, r := range res {
			t := mk(r.props, r.path, formCFN, r.logicalID)
			out = append(out, t)
		}
	default:
		out = append(out, mk(root, "", formRegister, family))
	}
	for _, t := range out {
		t.name = taskName(t)
	}
	return out, nil
}

// taskName is the service name: the family, else the family given outside, sanitized.
func taskName(t *task) string {
	n := t.node
	if t.form == formDescribe {
		n = n.get("taskDefinition")
	}
	key := "family"
	if t.form == formCFN {
		key = "Family"
	}
	if f := n.get(key); f != nil && f.kind == kString && f.str != "" {
		return sanitize(f.str)
	}
	return sanitize(t.family)
}

// toDiag turns a fieldError into a user error; the container is named from the tree.
func toDiag(err error, ln *lines, root *node, service string) error {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return err
	}
	msg := fe.msg
	if c := containerName(root, fe.path); c != "" {
		msg = fmt.Sprintf("container %q: %s", c, msg)
	}
	return &diag.Err{Diagnostic: diag.Diagnostic{Severity: diag.Error, Pos: ln.pos(fe.off), Service: service, Field: fe.path, Message: msg}}
}

var containerPathRE = lazyRegexp(`(?:^|[.:])([cC]ontainerDefinitions)?\[(\d+)\]`)

// containerName finds the name of the container a field path points into, from the raw tree.
func containerName(root *node, path string) string {
	m := containerPathRE().FindStringSubmatchIndex(path)
	if m == nil {
		return ""
	}
	i, err := strconv.Atoi(path[m[4]:m[5]])
	if err != nil {
		return ""
	}
	arr := walk(root, path[:m[4]-1])
	if arr == nil || arr.kind != kArray || i >= len(arr.elems) {
		return ""
	}
	for _, k := range []string{"name", "Name"} {
		if n := arr.elems[i].get(k); n != nil && n.kind == kString {
			return n.str
		}
	}
	return ""
}

// walk follows a dotted path of object keys (no indices) from root; "" is root itself.
func walk(root *node, path string) *node {
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		path = path[i+1:]
	}
	n := root
	if path == "" {
		return n
	}
	for _, k := range strings.Split(path, ".") {
		if n = n.get(k); n == nil {
			return nil
		}
	}
	return n
}

// decodeInto fills v from n with a fresh decoder, returning the fields seen and warnings.
func decodeInto(t *task, n *node, v any, path string, cfn bool, service string) (*decoder, error) {
	d := &decoder{lines: t.lines, cfn: cfn, service: service, offs: map[string]int64{path: n.off}}
	if err := d.decode(n, reflect.ValueOf(v).Elem(), path); err != nil {
		return nil, toDiag(err, t.lines, t.root, service)
	}
	return d, nil
}

var nonDNS = lazyRegexp(`[^a-z0-9-]+`)

// sanitize makes s a DNS-1123 label: lower case, other characters become '-', at most 63.
func sanitize(s string) string {
	s = nonDNS().ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}
