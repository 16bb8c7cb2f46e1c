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
	Nodes       []string `json:"nodes"`
	Edges       []string `json:"edges"`
	Public      []string `json:"public"`
	Select      string   `json:"select"`
	SelectField string   `json:"selectField"`
}

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
		t.Fatalf("browser tests need chromium, node and playwright-core: run test/browser/install.sh")
	}
	t.Skip("chromium, node or playwright-core missing: run test/browser/install.sh")
}

func report(t *testing.T, dir string, args ...string) string {
	t.Helper()
	page := filepath.Join(dir, "report.html")
	var out, errOut bytes.Buffer
	root := cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: []string{}})
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
				Name   string
				Public bool
			}
			Edges []struct{ From, To, Condition string }
		}
	}
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatal(err)
	}
	e := expectation{Nodes: []string{}, Edges: []string{}, Public: []string{}}
	for _, n := range d.Graph.Nodes {
		e.Nodes = append(e.Nodes, n.Name)
		if n.Public {
			e.Public = append(e.Public, n.Name)
		}
	}
	for _, ed := range d.Graph.Edges {
		e.Edges = append(e.Edges, ed.From+"->"+ed.To+":"+ed.Condition)
	}
	sort.Strings(e.Nodes)
	sort.Strings(e.Edges)
	e.Select = e.Nodes[0]
	e.SelectField = "services." + e.Select + "."
	return e
}

func check(t *testing.T, dir, page string, e expectation) {
	t.Helper()
	spec := filepath.Join(dir, "expect.json")
	data, _ := json.Marshal(e)
	if err := os.WriteFile(spec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "screenshot.png")
	out, err := exec.Command("node", "check-report.mjs", page, spec, shot).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", page, err, out)
	}
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

func TestCorpusReports(t *testing.T) {
	ready(t)
	// Corpus apps of 2 to ~25 services; the corpus lives beside the repository (../shared).
	files := []string{"../../internal/cli/testdata/golden/stateful/compose.yaml"}
	for _, f := range []string{
		"example-voting-app/example-voting-app/docker-compose.yml",
		"awesome-compose/gitea-postgres/compose.yaml",
		"opentelemetry-demo/opentelemetry-demo/compose.yaml",
	} {
		p := filepath.Join("..", "..", "..", "shared", "corpus", "compose", filepath.FromSlash(f))
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			dir := t.TempDir()
			var out, errOut bytes.Buffer
			page := filepath.Join(dir, "report.html")
			root := cli.NewRoot(cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: []string{}})
			root.SetArgs([]string{"report", "-o", page, "-f", f})
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Skipf("does not convert: %v", err)
			}
			check(t, dir, page, fromData(t, page))
		})
	}
}
