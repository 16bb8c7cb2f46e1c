package cli

import (
	"github.com/berth-dev/berth/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlanGolden runs `berth plan` on the shop example, the stateful case and the x-berth case
// (a CronJob: applied suspended, resumed) twice and
// compares the runbook with testdata/plan/<case>.md (rewrite with -update and review).
func TestPlanGolden(t *testing.T) {
	cases := map[string][]string{
		"example-shop": {"-f", "../../examples/shop/compose.yaml"},
		"stateful":     {"-f", "testdata/golden/stateful/compose.yaml", "--volume-size", "2Gi"},
		"xberth":       {"-f", "testdata/golden/xberth/compose.yaml"},
		"ecs-schedule": {"-f", "testdata/golden/ecs-schedule/task.json", "--ecs-schedule", "testdata/golden/ecs-schedule/schedule.json"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "plan.md")
			run := func() string {
				_, stderr, err := runBerth(t, append([]string{"plan", "-o", out}, args...)...)
				if err != nil {
					t.Fatalf("berth plan: %v\n%s", err, stderr)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
			got := run()
			if again := run(); again != got {
				t.Fatalf("two runs differ:\n%s", cmp.Diff(got, again))
			}
			golden.AssertBytes(t, filepath.Join("testdata", "plan", name+".md"), []byte(got))
			for _, cmd := range []string{"berth apply ", "berth down "} {
				found := false
				for _, line := range strings.Split(got, "\n") {
					found = found || strings.Contains(line, cmd) && strings.Contains(line, "--file "+args[1])
				}
				if !found {
					t.Errorf("runbook has no %q line with --file %s", cmd, args[1])
				}
			}
		})
	}
}
