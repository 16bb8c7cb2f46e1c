package report

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/load/ecs"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/podsecurity"
	"github.com/google/go-cmp/cmp"
)

// oracle renders reports with the html/template the HTML report was written with before
// html.go replaced it (testdata/report.html.tmpl): the page writer must produce its bytes.
type oracle struct{ t *template.Template }

func newOracle(t *testing.T) oracle {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "report.html.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"outcomeClass": func(o any) string { return fmt.Sprintf("o-%v", o) },
	}).Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	return oracle{tmpl}
}

// render is the former htmlReport.
func (o oracle) render(r *Report) ([]byte, error) {
	g := r.Graph
	if g == nil {
		g = &Graph{Nodes: []Node{}, Edges: []Edge{}, Networks: []string{}}
	}
	d := struct {
		R      *Report
		Data   any
		CSS    template.CSS
		Dagre  template.JS
		Script template.JS
	}{
		R: r, Data: graphData{App: r.App, Graph: g, Services: r.Services},
		CSS: template.CSS(htmlCSS), Dagre: template.JS(dagreJS),
		Script: template.JS(graphJS + "\n" + viewportJS + "\n" + detailsJS),
	}
	var buf bytes.Buffer
	err := o.t.Execute(&buf, d)
	return buf.Bytes(), err
}

// check fails when the page writer's rendering of r differs from the template's.
func (o oracle) check(t *testing.T, name string, r *Report) {
	t.Helper()
	want, err := o.render(r)
	if err != nil {
		t.Fatalf("%s: template: %v", name, err)
	}
	got, err := htmlReport(r)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: HTML differs from the template's (-template +writer):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

// hostile is text that must be escaped everywhere it appears: markup, quotes, an ampersand,
// a plus, NUL, the JavaScript line terminators, a script end tag, a comment start, non-ASCII
// and a byte that is not UTF-8.
const hostile = "<script>alert(\"x\")</script> &amp; 'q' a+b \x00 \u2028\u2029 </script><!-- ünï 日本 \xff ` = \t\n"

func hostileReport() *Report {
	h := func(s string) string { return s + " " + hostile }
	f := Field{Path: h("services.x.image"), Pos: h("compose.yaml:1:2"), Outcome: diag.Outcome(h("mapped")),
		Targets: []string{h("Deployment/x"), h("t2")}, Reasons: []string{h("reason"), h("r2")}}
	return &Report{
		App: h("app"), Source: h("compose"), Namespace: h("ns"), Files: []string{h("a.yaml"), h("b.yaml")},
		Totals: Totals{
			Objects:     []Count{{Name: h("Deployment"), Count: 3}},
			Diagnostics: []Count{{Name: h("warning"), Count: 1}},
			Outcomes:    []Count{{Name: h("mapped"), Count: 2}},
			Fields:      7,
			Requests:    Requests{CPU: h("1"), Memory: h("2Gi"), PerNodeCPU: h("50m"), PerNodeMemory: h("64Mi")},
		},
		Project: []Field{f, {Path: h("volumes.data"), Outcome: diag.Unhandled}},
		Services: []Service{
			{Name: h("web"), Objects: []string{h("Deployment/web"), h("Service/web")}, Workload: h("Deployment/web"),
				PodSecurity: &podsecurity.Grade{Level: h("privileged"), Baseline: []string{h("b1"), h("b2")}, Restricted: []string{h("r1")}},
				Resources: []Resources{{Container: h("c"), Role: h("init"), CPU: h("1"), Memory: h("1Gi"), CPULimit: h("2"), MemLimit: h("2Gi")},
					{Container: h("d")}},
				Volumes: []VolumeUse{{Container: h("c"), Source: h("./src"), Target: h("/dst"), Type: h("bind"), Data: h("data")},
					{Target: h("/tmp"), Type: h("tmpfs"), Data: h("emptyDir")}},
				Fields: []Field{f, {Path: h("p")}}},
			{Name: h("db"), Objects: []string{}, Fields: []Field{},
				PodSecurity: &podsecurity.Grade{Level: h("baseline"), Restricted: []string{h("r")}}},
			{Name: ""},
		},
		Diagnostics: []diag.Diagnostic{
			{Severity: diag.Warning, Pos: diag.Pos{File: h("f"), Line: 1, Column: 2}, Field: h("field"), Message: h("msg")},
			{Severity: diag.Error, Service: h("svc"), Message: h("msg")},
			{Severity: diag.Info, Message: h("msg")},
		},
		Graph: &Graph{
			Nodes:    []Node{{Name: h("web"), Kind: h("Deployment"), Replicas: h("1"), Image: h("img"), Hosts: []string{h("h")}, Public: true, Entry: h("e"), Networks: []string{h("n")}, Group: h("g"), Containers: []string{h("c")}}},
			Edges:    []Edge{{From: h("web"), To: h("db"), Condition: h("c"), Required: true, Service: h("s")}},
			Networks: []string{h("n")},
		},
	}
}

// TestHTMLMatchesTemplate renders every report the package's tests build, a hostile one and
// the reports of converting the repository's Compose and ECS inputs (and the corpus, when
// present) both ways and compares the bytes.
func TestHTMLMatchesTemplate(t *testing.T) {
	o := newOracle(t)
	n := 0
	check := func(name string, r *Report) {
		o.check(t, name, r)
		n++
	}
	app, res := testInput()
	check("testInput", Build(app, res, NewRedactor(app, res.Objects)))
	app, res = workloadInput()
	check("workloadInput", Build(app, res, NewRedactor(app, res.Objects)))
	check("hostile", hostileReport())
	check("empty", &Report{})
	check("graph only", Build(graphApp(), &convert.Result{}, nil))
	for _, in := range reportInputs(t) {
		app, err := in.load()
		if err != nil {
			continue // the loaders' error cases
		}
		for _, opts := range []convert.Options{{}, {Domain: "example.com", Provider: convert.ProviderAWS, Harden: true}} {
			res, err := convert.Convert(app, opts)
			if err != nil {
				continue
			}
			check(in.name, Build(app, res, NewRedactor(app, res.Objects)))
		}
	}
	t.Logf("%d reports compared", n)
	if n < 50 {
		t.Errorf("only %d reports compared: the repository's inputs were not found", n)
	}
}

// TestHTMLTextEscaping compares the escaping of every ASCII character and some others, in
// text, RCDATA and attribute values, with html/template's.
func TestHTMLTextEscaping(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`<title>{{.}}</title><p class="{{.}}">{{.}}</p>`))
	var in []string
	for c := 0; c < 0x80; c++ {
		in = append(in, "a"+string(rune(c))+"b")
	}
	in = append(in, hostile, "\u2028", "日本", "\xff\xfe", "\xe6\x97", "", "&lt;")
	for _, s := range in {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		var p page
		for _, part := range []string{"<title>", "</title><p class=\"", "\">", "</p>"} {
			p.raw(part)
			if part != "</p>" {
				p.text(s)
			}
		}
		if got := p.b.String(); got != want.String() {
			t.Errorf("text(%q) = %q, want %q", s, got, want.String())
		}
	}
}

// TestHTMLScriptData: no input closes the data script element or starts a comment in it.
func TestHTMLScriptData(t *testing.T) {
	b, err := htmlReport(hostileReport())
	if err != nil {
		t.Fatal(err)
	}
	_, data, _ := strings.Cut(string(b), `<script id="berth-data" type="application/json">`)
	data, _, _ = strings.Cut(data, "</script>")
	for _, bad := range []string{"<", ">", "\u2028", "\u2029", "\x00"} {
		if strings.Contains(data, bad) {
			t.Errorf("data script contains %q", bad)
		}
	}
	if !strings.Contains(data, `\u003cscript\u003e`) {
		t.Errorf("data script lacks the escaped hostile text:\n%.300s", data)
	}
}

func graphApp() *model.App {
	return &model.App{
		Name:     "shop",
		Networks: []model.Network{{Name: "backend"}, {Name: "frontend"}},
		Services: []*model.Service{
			{Name: "web", Networks: []string{"backend", "frontend"}, DependsOn: []model.Dependency{
				{Service: "api", Condition: model.ConditionHealthy, Required: true}}},
			{Name: "api", Networks: []string{"backend"}, Containers: []model.Container{
				{Name: "app", DependsOn: []model.ContainerDep{{Container: "envoy", Condition: "HEALTHY"}}},
				{Name: "envoy"},
			}},
		},
	}
}

// reportInput is an input file of the repository (or the corpus) and its loader.
type reportInput struct {
	name string
	load func() (*model.App, error)
}

// reportInputs are the Compose files and ECS task definitions under the repository's testdata
// and examples folders, and under ../shared/corpus (from the module root) when present.
func reportInputs(t *testing.T) []reportInput {
	t.Helper()
	var out []reportInput
	for _, root := range []string{filepath.Join("..", ".."), filepath.Join("..", "..", "..", "shared", "corpus")} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			slash := filepath.ToSlash(path)
			if d.IsDir() || !(strings.Contains(slash, "/testdata/") || strings.Contains(slash, "/examples/") || strings.Contains(slash, "/corpus/")) {
				return nil
			}
			if in, ok := inputOf(path); ok {
				out = append(out, in)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return out
}

func inputOf(path string) (reportInput, bool) {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, ".json") && strings.Contains(filepath.ToSlash(path), "ecs"):
		return reportInput{path, func() (*model.App, error) { return ecs.Load(ecs.Options{Files: []string{path}}) }}, true
	case (strings.HasPrefix(base, "compose") || strings.HasPrefix(base, "docker-compose")) &&
		(strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")):
		return reportInput{path, func() (*model.App, error) {
			return compose.Load(context.Background(), compose.Options{Files: []string{path}, Environ: []string{"PWD=/"}})
		}}, true
	}
	return reportInput{}, false
}
