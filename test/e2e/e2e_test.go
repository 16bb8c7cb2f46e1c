// Package e2e runs berth's cluster commands (apply, diff, status, restart, down) end to end,
// as a user would, against a real control plane started by test/cluster.
package e2e

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
	clicluster "github.com/berth-dev/berth/internal/cli/cluster"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/crds"
	"github.com/rogpeppe/go-internal/testscript"
)

// kube is the control plane shared by the scripts; each script uses its own namespace.
var kube = cluster.NewShared(cluster.Options{PVs: 20})

// runner stops the shared cluster after the tests.
type runner struct{ m *testing.M }

func (r runner) Run() int { return kube.Run(r.m) }

func TestMain(m *testing.M) {
	testscript.Main(runner{m}, map[string]func(){"berth": berth})
}

// berth is the berth-cluster executable's main (every command), run in-process by the scripts.
func berth() {
	os.Exit(cli.Main(clicluster.Extension()))
}

// TestCommands runs testdata/script/*.txtar with KUBECONFIG pointing at the test cluster,
// $KUBECTL the harness's kubectl and $EXAMPLES the repository's examples directory.
func TestCommands(t *testing.T) {
	c := kube.Get(t)
	// The Gateway API and AWS Load Balancer Controller kinds of gateway.txtar (and ESO's).
	if err := crds.Install(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	bin, err := cluster.Binaries()
	if err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	examples := filepath.Join(filepath.Dir(file), "..", "..", "examples")
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("KUBECONFIG", c.Kubeconfig)
			env.Setenv("KUBECTL", bin.Kubectl)
			env.Setenv("EXAMPLES", examples)
			return nil
		},
	})
}
