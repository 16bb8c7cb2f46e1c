package cli

import (
	"bytes"
	"encoding/json"
	"github.com/berth-dev/berth/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var berthData = regexp.MustCompile(`(?s)<script id="berth-data" type="application/json">(.*?)</script>`)

// TestHTMLReportGolden writes the HTML report of the shop example, the stateful and the
// ecs-service cases twice
// (byte-identical), checks the page loads nothing from the network, and compares the data the
// page draws (graph and per-service fields, indented) with testdata/report-html/<case>.json.
func TestHTMLReportGolden(t *testing.T) {
	cases := map[string][]string{
		"example-shop": {"-f", "../../examples/shop/compose.yaml"},
		"stateful":     {"-f", "testdata/golden/stateful/compose.yaml", "--volume-size", "2Gi"},
		// ECS tasks of several containers: the containers, their dependsOn edges, a sidecar
		"ecs-service": {"--ecs", "testdata/golden/ecs-service/task.json", "--ecs-service", "testdata/golden/ecs-service/service.json", "--domain", "example.com"},
		"ecs-depends": {"--ecs", "../../test/browser/testdata/ecs/api.json", "--ecs", "../../test/browser/testdata/ecs/worker.json"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			run := func(i int) []byte {
				page := filepath.Join(tmp, "report.html")
				full := append([]string{"convert", "-o", filepath.Join(tmp, "out", string(rune('a'+i))), "--report", page}, args...)
				if _, stderr, err := runBerth(t, full...); err != nil {
					t.Fatalf("berth convert: %v\n%s", err, stderr)
				}
				data, err := os.ReadFile(page)
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			page := run(0)
			if again := run(1); !bytes.Equal(page, again) {
				t.Fatal("two HTML reports differ")
			}
			for _, bad := range []string{"<link", " src=", "@import", "url(http"} {
				if bytes.Contains(page, []byte(bad)) {
					t.Errorf("page is not self-contained: contains %q", bad)
				}
			}
			m := berthData.FindSubmatch(page)
			if m == nil {
				t.Fatal("no berth-data script in the page")
			}
			var data any
			if err := json.Unmarshal(m[1], &data); err != nil {
				t.Fatalf("berth-data is not JSON: %v", err)
			}
			got, _ := json.MarshalIndent(data, "", "  ")
			got = append(got, '\n')
			golden.AssertBytes(t, filepath.Join("testdata", "report-html", name+".json"), got)
			if strings.Contains(string(page), tmp) {
				t.Error("page contains the temporary directory")
			}
		})
	}
}
