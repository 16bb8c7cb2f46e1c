package buildkit

import (
	"os"
	"strings"
	"testing"
)

// buildkitd (test/cluster/tools/buildkit) and berth's client (go.mod) are the same release.
func TestVersionMatchesClient(t *testing.T) {
	for _, gomod := range []string{"../tools/buildkit/go.mod", "../../../go.mod"} {
		b, err := os.ReadFile(gomod)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "require "))
			if len(f) >= 2 && f[0] == "github.com/moby/buildkit" {
				got = f[1]
			}
		}
		if got != Version {
			t.Errorf("%s requires github.com/moby/buildkit %q, want %s (buildkit.Version)", gomod, got, Version)
		}
	}
}
