// Package browser opens berth's HTML reports in a real headless chromium (Debian's, driven by
// playwright-core from npm; install.sh installs both) and checks what a reader sees.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
)

// expectation is what check-report.mjs asserts about one page.
type expectation struct {
	Nodes []string `json:"nodes"`
	// Edges are from->to:condition; an ECS container edge is service/from->service/to:COND.
	Edges  []string `json:"edges"`
	Public []string `json:"public"`
	// Containers are service/container of ECS tasks of several containers.
	Containers  []string `json:"containers"`
	Select      string   `json:"select"`
	SelectField string   `json:"selectField"`
	// SelectShows are more texts the details of the selected service must show.
	SelectShows []string `json:"selectShows,omitempty"`
	// MinNameFont and MinTextFont are the smallest effective font sizes (CSS px × zoom) of
	// the service names and of any graph text at the opening zoom.
	MinNameFont float64 `json:"minNameFont"`
	MinTextFont float64 `json:"minTextFont"`
}

// Readable at the opening zoom: names at 11px or more, edge and group labels at 9px or more.
const (
	minNameFont = 11
	minTextFont = 9
)

var berthData = regexp.MustCompile(`(?s)<script id="berth-data" type="application/json">(.*?)</script>`)

// ready skips (or, under CI, fails) when chromium or playwright-core are missing.
func ready(t *testing.T) {
	t.Helper()
	_, errC := exec.LookPath("chromium")
	_, errN := exec.LookPath("node")
	_, errP := os.Stat("node_modules/playwright-core")
	if errC == nil && errN == nil && errP == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("browser tests need chromium, node and playwright-core: run `make test-deps test-browser-deps`")
	}
	t.Skip("chromium, node or playwright-core missing: run `make test-deps test-browser-deps`")
}

func report(t *testing.T, dir string, args ...string) string {
	t.Helper()
	page := filepath.Join(dir, "report.html")
	var out, errOut bytes.Buffer
	root := cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: []string{}}, cli.Cluster{})
	root.SetArgs(append([]string{"report", "-o", page}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("berth report %v: %v\n%s", args, err, errOut.String())
	}
	return page
}

// fromData derives the expected graph from the page's own data: it proves the page draws all
// of it (the shop case below pins the data itself).
func fromData(t *testing.T, page string) expectation {
	t.Helper()
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	m := berthData.FindSubmatch(html)
	if m == nil {
		t.Fatal("no berth-data in page")
	}
	var d struct {
		Graph struct {
			Nodes []struct {
				Name       string
				Public     bool
				Containers []string
			}
			Edges []struct{ From, To, Condition, Service string }
		}
	}
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatal(err)
	}
	e := expectation{Nodes: []string{}, Edges: []string{}, Public: []string{}, Containers: []string{}}
	for _, n := range d.Graph.Nodes {
		e.Nodes = append(e.Nodes, n.Name)
		if n.Public {
			e.Public = append(e.Public, n.Name)
		}
		for _, c := range n.Containers {
			e.Containers = append(e.Containers, n.Name+"/"+c)
		}
	}
	for _, ed := range d.Graph.Edges {
		from, to := ed.From, ed.To
		if ed.Service != "" {
			from, to = ed.Service+"/"+from, ed.Service+"/"+to
		}
		e.Edges = append(e.Edges, from+"->"+to+":"+ed.Condition)
	}
	sort.Strings(e.Nodes)
	sort.Strings(e.Edges)
	sort.Strings(e.Public)
	sort.Strings(e.Containers)
	e.Select = e.Nodes[0]
	e.SelectField = "services." + e.Select + "."
	return e
}

// check runs check-report.mjs on page. Screenshots go to dir, or to $BERTH_BROWSER_SHOTS
// (named after the test) to look at them.
func check(t *testing.T, dir, page string, e expectation) {
	t.Helper()
	if e.MinNameFont == 0 {
		e.MinNameFont, e.MinTextFont = minNameFont, minTextFont
	}
	if e.Containers == nil {
		e.Containers = []string{}
	}
	spec := filepath.Join(dir, "expect.json")
	data, _ := json.Marshal(e)
	if err := os.WriteFile(spec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(dir, "shot")
	if keep := os.Getenv("BERTH_BROWSER_SHOTS"); keep != "" {
		shots = filepath.Join(keep, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
	}
	out, err := exec.Command("node", "check-report.mjs", page, spec, shots).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", page, err, out)
	}
	t.Logf("%s", out)
}

func TestShopReport(t *testing.T) {
	ready(t)
	dir := t.TempDir()
	page := report(t, dir, "-f", "../../examples/shop/compose.yaml")
	check(t, dir, page, expectation{
		Nodes: []string{"api", "db", "migrate", "redis", "web", "worker"},
		Edges: []string{
			"api->db:service_healthy", "api->migrate:service_completed_successfully", "api->redis:service_started",
			"migrate->db:service_healthy", "web->api:service_healthy", "worker->db:service_healthy", "worker->redis:service_healthy",
		},
		Public:      []string{"web"},
		Select:      "api",
		SelectField: "services.api.healthcheck",
	})
}

// corpusApp is a Compose app of ../shared/corpus/compose; want, when set, is what the graph
// must hold, written from reading its Compose file (otherwise the page's own data is the
// expectation: the page must draw all of it).
type corpusApp struct {
	file string
	want *expectation
}

func TestCorpusReports(t *testing.T) {
	ready(t)
	apps := []corpusApp{
		{file: "example-voting-app/example-voting-app/docker-compose.yml", want: &expectation{
			Nodes: []string{"db", "redis", "result", "vote", "worker"},
			Edges: []string{"result->db:service_healthy", "vote->redis:service_healthy",
				"worker->db:service_healthy", "worker->redis:service_healthy"},
			Public: []string{"result", "vote"}, Select: "worker", SelectField: "services.worker.depends_on",
		}},
		{file: "awesome-compose/gitea-postgres/compose.yaml", want: &expectation{
			Nodes: []string{"db", "gitea"}, Edges: []string{}, Public: []string{"gitea"},
			Select: "db", SelectField: "services.db.volumes", SelectShows: []string{"PersistentVolumeClaim: copy the volume's data"},
		}},
		{file: "awesome-compose/react-express-mysql/compose.yaml", want: &expectation{
			Nodes:  []string{"backend", "db", "frontend"},
			Edges:  []string{"backend->db:service_started", "frontend->backend:service_started"},
			Public: []string{"backend", "frontend"}, Select: "backend", SelectField: "services.backend.depends_on",
		}},
		{file: "opentelemetry-demo/opentelemetry-demo/compose.yaml"},
		{file: "docker-elk/docker-elk/docker-compose.yml"},
	}
	// The stateful golden case always runs; the corpus lives beside the repository (../shared).
	files := []corpusApp{{file: "../../internal/cli/testdata/golden/stateful/compose.yaml"}}
	for _, a := range apps {
		p := filepath.Join("..", "..", "..", "shared", "corpus", "compose", filepath.FromSlash(a.file))
		if _, err := os.Stat(p); err == nil {
			files = append(files, corpusApp{file: p, want: a.want})
		}
	}
	for _, app := range files {
		f, want := app.file, app.want
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			dir := t.TempDir()
			var out, errOut bytes.Buffer
			page := filepath.Join(dir, "report.html")
			root := cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: []string{}}, cli.Cluster{})
			root.SetArgs([]string{"report", "-o", page, "-f", f})
			if err := root.ExecuteContext(context.Background()); err != nil {
				if want != nil {
					t.Fatalf("berth report: %v\n%s", err, errOut.String())
				}
				t.Skipf("does not convert: %v", err)
			}
			e := fromData(t, page)
			if want != nil {
				e = *want
			}
			check(t, dir, page, e)
		})
	}
}

// TestECSReport: an ECS task of five containers is one pod: its containers are drawn inside the
// task's group with their dependsOn edges labelled START, HEALTHY, COMPLETE and SUCCESS; a
// one-container task is a plain node. Corpus task definitions with dependsOn follow, when
// present.
func TestECSReport(t *testing.T) {
	ready(t)
	t.Run("fixture", func(t *testing.T) {
		dir := t.TempDir()
		page := report(t, dir, "--ecs", "testdata/ecs/api.json", "--ecs", "testdata/ecs/worker.json")
		check(t, dir, page, expectation{
			Nodes:      []string{"api", "worker"},
			Containers: []string{"api/agent", "api/app", "api/envoy", "api/migrate", "api/warm"},
			Edges: []string{
				"api/app->api/agent:START", "api/app->api/envoy:HEALTHY", "api/app->api/migrate:SUCCESS", "api/app->api/warm:COMPLETE",
			},
			Public:      []string{},
			Select:      "api",
			SelectField: "containerDefinitions[2].dependsOn",
			SelectShows: []string{"Pod Security: ", "envoy (sidecar)"},
		})
	})
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "ecs")
	for _, f := range []string{
		"amazon-ecs-firelens-examples/fluent-bit-parse-envoy-app-mesh-appmesh-firelens-colorteller-black-ecs-task-def.json",
		"amazon-ecs-developer-guide/trace-data--trace-data-containerdefinitions--1.json",
	} {
		p := filepath.Join(corpus, filepath.FromSlash(f))
		if _, err := os.Stat(p); err != nil {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(p), ".json"), func(t *testing.T) {
			dir := t.TempDir()
			page := report(t, dir, "--ecs", p)
			e := fromData(t, page)
			if len(e.Containers) < 2 || len(e.Edges) == 0 {
				t.Fatalf("want a task of several containers with dependsOn edges, got containers %v edges %v", e.Containers, e.Edges)
			}
			e.SelectField = "containerDefinitions"
			check(t, dir, page, e)
		})
	}
}
