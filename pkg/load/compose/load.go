package compose

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/cli"
	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// Load loads the Compose project o selects and maps it onto the model. Errors are *diag.Err
// naming file:line:col, service and field wherever the input allows.
func Load(ctx context.Context, o Options) (*model.App, error) {
	po, err := projectOptions(o)
	if err != nil {
		return nil, optionsError(err, o.WorkingDir)
	}
	if len(po.ConfigPaths) == 0 {
		return nil, noComposeFile(po)
	}
	unset := &unsetVars{seen: map[string]bool{}}
	if err := cli.WithLoadOptions(unset.hook, nodeLimit(po.ConfigPaths))(po); err != nil {
		return nil, err
	}
	dir, err := po.GetWorkingDir()
	if err != nil {
		return nil, diag.Errorf(diag.Pos{}, "", "", "project directory: %w", err)
	}
	// Refuse what berth's own walks cannot afford before compose-go starts.
	fs := newFileSet(dir)
	for _, f := range po.ConfigPaths {
		if err := fs.get(f).refused(); err != nil {
			return nil, err
		}
	}
	project, err := loadProject(ctx, po)
	if err != nil {
		// compose-go checks references in map order: reload without that check so the
		// first inconsistency in input order is the one reported, every time.
		reload := func() (*types.Project, error) {
			po, err := projectOptions(o)
			if err == nil {
				err = cli.WithConsistency(false)(po)
			}
			if err != nil {
				return nil, err
			}
			return loadProject(ctx, po)
		}
		return nil, explain(err, fs, po.ConfigPaths, po.EnvFiles, lookupIn(po.Environment), reload)
	}
	if project.WorkingDir != dir {
		fs = newFileSet(project.WorkingDir)
	}
	return fromProject(project, fs, unset.names())
}

// nodeLimit lifts compose-go's cap of 100 000 YAML nodes per document (a few thousand
// services) to the size of the files in bytes: a document has fewer nodes than bytes, and
// anchors are resolved once each, so the cap still stops runaway documents.
func nodeLimit(files []string) func(*loader.Options) {
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	return func(lo *loader.Options) {
		lo.MaxNodeVisits = int(max(100_000, size+1))
	}
}

// loadProject runs compose-go, turning a panic on odd input (a compose-go bug) into an error
// so that berth never crashes on user input.
func loadProject(ctx context.Context, po *cli.ProjectOptions) (p *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("compose-go failed on this input: %v", r)
		}
	}()
	return po.LoadProject(ctx)
}

// fromProject maps a loaded project, reading positions from the files of fs (a fileSet of
// p.WorkingDir); unset lists variables interpolated as empty.
func fromProject(p *types.Project, fs *fileSet, unset []string) (*model.App, error) {
	idx := buildIndex(fs, p.ComposeFiles, expander(lookupIn(p.Environment)))
	if idx.err != nil {
		return nil, idx.err
	}
	m := &mapper{project: p, idx: idx, fs: fs}
	m.projectDir = p.WorkingDir
	if real, err := filepath.EvalSymlinks(p.WorkingDir); err == nil {
		m.projectDir = real
	}
	app := &model.App{
		Name:   sanitizeName(p.Name),
		Source: model.Compose,
		Dir:    p.WorkingDir,
	}
	for _, f := range p.ComposeFiles {
		app.Files = append(app.Files, fs.display(f))
	}
	if err := m.mapApp(app); err != nil {
		return nil, err
	}
	m.warnUnset(unset)
	m.inputs(app)
	app.Diagnostics = m.diags.Sorted()
	return app, nil
}

// inputs keeps the input fields of active services and of the top-level sections.
func (m *mapper) inputs(app *model.App) {
	for _, f := range m.idx.fields {
		if f.Service != "" {
			_, svc := m.project.Services[f.Service]
			_, job := m.project.Jobs[f.Service]
			if !svc && !job {
				continue
			}
		}
		app.Inputs = append(app.Inputs, f)
	}
	for name := range m.project.DisabledServices {
		m.diags = append(m.diags, diag.Diagnostic{
			Severity: diag.Info, Pos: m.idx.at("services." + name), Service: name,
			Field: "services." + name, Message: "not converted: its profiles are not active",
		})
	}
	for name := range m.project.DisabledJobs {
		m.diags = append(m.diags, diag.Diagnostic{
			Severity: diag.Info, Pos: m.idx.at("jobs." + name), Service: name,
			Field: "jobs." + name, Message: "not converted: its profiles are not active",
		})
	}
	m.noneActive()
}

// noneActive warns when every service and job has a profile and none is active: the output
// would hold no workload (docker compose up says "no service selected").
func (m *mapper) noneActive() {
	if len(m.project.Services) > 0 || len(m.project.Jobs) > 0 || len(m.project.DisabledServices)+len(m.project.DisabledJobs) == 0 {
		return
	}
	seen := map[string]bool{}
	var profiles []string
	for _, s := range m.project.DisabledServices {
		for _, p := range s.Profiles {
			if !seen[p] {
				seen[p] = true
				profiles = append(profiles, p)
			}
		}
	}
	sort.Strings(profiles)
	m.diags = append(m.diags, diag.Diagnostic{
		Severity: diag.Warning, Pos: m.idx.at("services"), Field: "services",
		Message: "no service is converted: every service has a profile and none is active (profiles: " + strings.Join(profiles, ", ") +
			"); pass --profile NAME or set COMPOSE_PROFILES, as docker compose up needs",
	})
}

// unsetVars records variables that interpolation replaced with an empty string, and keeps
// compose-go from logging them itself (berth reports them as diagnostics).
type unsetVars struct {
	seen map[string]bool
}

var varName = lazyRegexp(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

func (u *unsetVars) hook(lo *loader.Options) {
	if lo.Interpolate == nil {
		return
	}
	orig := *lo.Interpolate
	orig.Substitute = func(tmpl string, mapping template.Mapping) (string, error) {
		return template.SubstituteWithOptions(tmpl, mapping, template.WithoutLogging,
			template.WithReplacementFunction(func(s string, mp template.Mapping, cfg *template.Config) (string, error) {
				v, ok, err := template.DefaultReplacementAppliedFunc(s, mp, cfg)
				if err == nil && !ok {
					if g := varName().FindStringSubmatch(s); g != nil {
						u.seen[g[1]] = true
					}
				}
				return v, err
			}))
	}
	lo.Interpolate = &interp.Options{
		LookupValue:     orig.LookupValue,
		TypeCastMapping: orig.TypeCastMapping,
		Substitute:      orig.Substitute,
	}
}

func (u *unsetVars) names() []string {
	return slices.Sorted(maps.Keys(u.seen))
}

// warnUnset warns about the unset variables at the first field (in input order) that uses
// each: one warning per variable, but one per service for a service whose fields use several
// (MISP's core service uses about a hundred; a line each buried the warnings that matter),
// or for a top-level key whose fields do (an x- block), listing every name, at the first of
// those fields. One walk over the input serves all.
func (m *mapper) warnUnset(names []string) {
	if len(names) == 0 {
		return
	}
	type use struct {
		path  string
		pos   diag.Pos
		order int
	}
	first := map[string]use{}
	var rec func(n *inode, path string)
	rec = func(n *inode, path string) {
		if n.node != nil && n.node.Kind == yaml.ScalarNode && strings.Contains(n.node.Value, "$") {
			for _, g := range varRef().FindAllStringSubmatch(n.node.Value, -1) {
				if _, seen := first[g[1]]; !seen {
					first[g[1]] = use{path, n.pos, len(first)}
				}
			}
		}
		for _, c := range n.kids {
			p := path + c.seg
			if path == "" {
				p = c.seg[1:]
			}
			rec(c, p)
		}
	}
	rec(m.idx.root, "")
	// a service's fields are one group; each top-level key's (an x- block of shared
	// variables, Lago's x-backend-environment) another
	group := func(u use) string {
		if svc := m.idx.serviceOf(u.path); svc != "" {
			return svc
		}
		top, _, _ := strings.Cut(u.path, ".")
		return "\x00" + top
	}
	groups := map[string][]string{}
	for _, name := range names {
		k := group(first[name])
		groups[k] = append(groups[k], name)
	}
	for _, name := range names {
		u := first[name]
		svc := m.idx.serviceOf(u.path)
		group := groups[group(u)]
		switch {
		case len(group) < 2:
			m.warn(u.pos, svc, u.path, "variable %s is not set; compose substitutes an empty string", name)
		case group[0] == name:
			at := u
			for _, other := range group[1:] {
				if first[other].order < at.order {
					at = first[other]
				}
			}
			m.warn(at.pos, svc, at.path, "%d variables are not set; compose substitutes an empty string for each: %s",
				len(group), strings.Join(group, ", "))
		}
	}
}

// varRef finds $NAME and ${NAME...} references ($$ escapes are skipped by requiring the name).
var varRef = lazyRegexp(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// expander interpolates a path the way compose-go does, ignoring errors (positions only).
func expander(lookup func(string) (string, bool)) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, "$") {
			return s
		}
		out, err := template.SubstituteWithOptions(s, lookup, template.WithoutLogging)
		if err != nil {
			return s
		}
		return out
	}
}

// serviceOf returns the service (or job) a services.<name>... (jobs.<name>...) path belongs
// to. Names may contain dots, so the longest name of the input that prefixes the path wins.
func (x *index) serviceOf(path string) string {
	section := "services"
	rest, ok := strings.CutPrefix(path, "services.")
	if !ok {
		if rest, ok = strings.CutPrefix(path, "jobs."); !ok {
			return ""
		}
		section = "jobs"
	}
	best := ""
	for _, s := range x.root.get("." + section).kidsOrNil() {
		name := s.seg[1:]
		if len(name) > len(best) && strings.HasPrefix(rest, name) &&
			(len(rest) == len(name) || rest[len(name)] == '.' || rest[len(name)] == '[') {
			best = name
		}
	}
	if best == "" {
		best, _, _ = strings.Cut(rest, ".")
	}
	return best
}

// sanitizeName makes a DNS-1123 label of a compose project name (compose allows "_").
func sanitizeName(s string) string {
	s = loader.NormalizeProjectName(s)
	s = strings.ReplaceAll(s, "_", "-")
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	if s == "" {
		s = "app"
	}
	return s
}
