package cluster_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/berth-dev/berth/test/cluster"
)

const requireChildEnv = "BERTH_REQUIRE_TEST_CHILD"

// Missing binaries fail a cluster test under CI whatever BERTH_SKIP_CLUSTER says; outside CI
// they skip it only with BERTH_SKIP_CLUSTER=1.
func TestRequireBinariesPolicy(t *testing.T) {
	if os.Getenv(requireChildEnv) == "1" {
		cluster.RequireBinaries(t)
		return
	}
	for _, tc := range []struct {
		name, ci, skip string
		want           string // PASS, FAIL or SKIP in the child's verbose output
	}{
		{"ci ignores skip", "true", "1", "FAIL"},
		{"ci", "true", "", "FAIL"},
		{"local default", "", "", "FAIL"},
		{"local skip", "", "1", "SKIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRequireBinariesPolicy$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), requireChildEnv+"=1", "CI="+tc.ci, cluster.EnvSkip+"="+tc.skip,
				cluster.EnvBinDir+"="+t.TempDir())
			out, _ := cmd.CombinedOutput()
			if !strings.Contains(string(out), "--- "+tc.want+": TestRequireBinariesPolicy") {
				t.Fatalf("want %s, child printed:\n%s", tc.want, out)
			}
			if !strings.Contains(string(out), "test/cluster/build.sh") {
				t.Errorf("message does not say how to build the binaries:\n%s", out)
			}
		})
	}
}
