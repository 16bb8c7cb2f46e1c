// Package report builds berth's field-accounting report: for every input field, what it became
// (object and field path) or why it was not converted, plus totals. The Report value is the
// data model every rendering (Markdown, JSON, and the HTML page with the service graph) is
// produced from. No secret value ever reaches a report: every string passes through a Redactor
// built from the secret data.
package report

import (
	"path/filepath"
	"sort"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/podsecurity"
)

// Report is the accounting of one conversion.
type Report struct {
	App       string   `json:"app"`
	Source    string   `json:"source"`
	Namespace string   `json:"namespace,omitempty"`
	Files     []string `json:"files"`
	Totals    Totals   `json:"totals"`
	// Project holds the top-level input fields (volumes, secrets, configs, networks, x-berth).
	Project []Field `json:"project,omitempty"`
	// Services are sorted by name.
	Services    []Service         `json:"services"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	// Connections are the addresses each service dials and the service that answers each
	// (the connection audit); an empty Service means none does.
	Connections []convert.Connection `json:"connections,omitempty"`
	// Images are the images built from build sections or set by --image: built from where
	// (relative to the project directory), which reference the pods run.
	Images []Image `json:"images,omitempty"`
	// Graph is the service graph the HTML report draws (not part of the JSON report).
	Graph *Graph `json:"-"`
}

// Service is the accounting of one service.
type Service struct {
	Name string `json:"name"`
	// Objects are the objects labelled with this service, as Kind/name, in output order.
	Objects []string `json:"objects"`
	// Workload is the service's workload object, Kind/name ("" when it has none).
	Workload string `json:"workload,omitempty"`
	// PodSecurity grades the workload's pod against the Pod Security Standards.
	PodSecurity *podsecurity.Grade `json:"podSecurity,omitempty"`
	// Resources are the requests and limits of the pod's containers, init containers first.
	Resources []Resources `json:"resources,omitempty"`
	// Volumes are the mounts of the service's containers and where their data comes from.
	Volumes []VolumeUse `json:"volumes,omitempty"`
	Fields  []Field     `json:"fields"`
}

// Image is an image built from source or set by an option.
type Image struct {
	Service string `json:"service"`
	// Context and Dockerfile are relative to the project directory ("inline" for
	// dockerfile_inline); empty for an image set by --image.
	Context    string `json:"context,omitempty"`
	Dockerfile string `json:"dockerfile,omitempty"`
	// Target is the build stage (build.target; empty for the last one).
	Target string `json:"target,omitempty"`
	// Ref is the image the pods run; empty when a build-only service has no registry yet.
	Ref string `json:"image,omitempty"`
	// By is "registry" (--registry and --tag), "image" (--image) or empty.
	By string `json:"by,omitempty"`
}

// relPath is p relative to dir when inside it (absolute paths would differ between machines).
func relPath(dir, p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return p
	}
	if r, err := filepath.Rel(dir, p); err == nil && (r == "." || filepath.IsLocal(r)) {
		return filepath.ToSlash(r)
	}
	return p
}

// Field is one input field and what became of it.
type Field struct {
	Path string `json:"path"`
	// Pos is file:line:col when known.
	Pos     string       `json:"pos,omitempty"`
	Outcome diag.Outcome `json:"outcome"`
	Targets []string     `json:"targets,omitempty"`
	Reasons []string     `json:"reasons,omitempty"`
}

// Totals count objects, diagnostics and field outcomes.
type Totals struct {
	Objects     []Count `json:"objects"`
	Diagnostics []Count `json:"diagnostics"`
	Outcomes    []Count `json:"outcomes"`
	Fields      int     `json:"fields"`
	// Requests are the CPU and memory the app asks the scheduler for (requests.go).
	Requests Requests `json:"requests"`
	// Nodes is the node capacity those requests need (nodes.go).
	Nodes NodeGroup `json:"nodes"`
}

// Count is a named number (a kind, severity or outcome).
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Build assembles the report of converting app into res. Strings are redacted with red.
func Build(app *model.App, res *convert.Result, red *Redactor) *Report {
	r := &Report{
		App:         app.Name,
		Source:      string(app.Source),
		Files:       append([]string{}, app.Files...),
		Diagnostics: make([]diag.Diagnostic, 0, len(res.Diagnostics)),
	}
	for _, o := range res.Objects {
		if o.GetObjectKind().GroupVersionKind().Kind == "Namespace" {
			r.Namespace = o.GetName()
			break
		}
	}
	r.Services = services(app, res, red)
	for _, a := range res.Accounts {
		if a.Service == "" {
			r.Project = append(r.Project, field(a, red))
		}
	}
	for _, d := range res.Diagnostics {
		d.Message = red.String(d.Message)
		r.Diagnostics = append(r.Diagnostics, d)
	}
	for _, c := range res.Connections {
		c.Address, c.Field = red.String(c.Address), red.String(c.Field)
		r.Connections = append(r.Connections, c)
	}
	for _, im := range res.Images {
		r.Images = append(r.Images, Image{Service: im.Service, Context: relPath(app.Dir, im.Context),
			Dockerfile: relPath(app.Dir, im.Dockerfile), Target: im.Target, Ref: im.Ref, By: im.By})
	}
	r.Totals = totals(res)
	r.Graph = BuildGraph(app, res)
	r.Graph.Connections = r.Connections
	return r
}

func services(app *model.App, res *convert.Result, red *Redactor) []Service {
	byName := make(map[string]*Service, len(app.Services))
	out := make([]Service, len(app.Services))
	for i, s := range app.Services {
		out[i] = Service{Name: s.Name, Objects: []string{}, Fields: []Field{}, Volumes: volumes(app, s)}
	}
	for _, p := range app.Providers { // provider services: no workload, their fields all the same
		out = append(out, Service{Name: p.Name, Objects: []string{}, Fields: []Field{}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := range out {
		byName[out[i].Name] = &out[i]
	}
	// Without the grader (it cannot fail with the library's own checks) there is no grade.
	grader, _ := podsecurity.New()
	for _, o := range res.Objects {
		if s := byName[o.GetLabels()[convert.LabelName]]; s != nil {
			s.Objects = append(s.Objects, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
			workload(s, o, grader)
		}
	}
	for _, a := range res.Accounts {
		if s := byName[a.Service]; s != nil {
			s.Fields = append(s.Fields, field(a, red))
		}
	}
	return out
}

func field(a diag.Accounted, red *Redactor) Field {
	f := Field{Path: a.Path, Pos: a.Pos.String(), Outcome: a.Outcome}
	for _, t := range a.Targets {
		f.Targets = append(f.Targets, red.String(t))
	}
	for _, r := range a.Reasons {
		f.Reasons = append(f.Reasons, red.String(r))
	}
	return f
}

func totals(res *convert.Result) Totals {
	kinds := map[string]int{}
	for _, o := range res.Objects {
		kinds[o.GetObjectKind().GroupVersionKind().Kind]++
	}
	t := Totals{Fields: len(res.Accounts), Requests: requests(res.Objects), Nodes: nodeGroup(res.Objects, res.Provider)}
	// Objects by kind in apply order, like the output.
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := convert.KindRank(names[i]), convert.KindRank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	for _, k := range names {
		t.Objects = append(t.Objects, Count{Name: k, Count: kinds[k]})
	}
	for _, s := range []diag.Severity{diag.Error, diag.Warning, diag.Info} {
		if n := res.Diagnostics.Count(s); n > 0 {
			t.Diagnostics = append(t.Diagnostics, Count{Name: s.String(), Count: n})
		}
	}
	outcomes := map[diag.Outcome]int{}
	for _, a := range res.Accounts {
		outcomes[a.Outcome]++
	}
	for _, o := range []diag.Outcome{diag.Mapped, diag.Ignored, diag.Partial, diag.Dropped, diag.Unhandled} {
		if n := outcomes[o]; n > 0 {
			t.Outcomes = append(t.Outcomes, Count{Name: string(o), Count: n})
		}
	}
	if t.Objects == nil {
		t.Objects = []Count{}
	}
	return t
}
