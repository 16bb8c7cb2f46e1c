package realnode

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/deps"
)

// Supported returns nil when this host can run a real node, else an error wrapping
// ErrUnsupported that says what is missing: root, a cgroup hierarchy, or namespaces.
func Supported() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: not root (namespaces, cgroups and mounts need root)", ErrUnsupported)
	}
	if !cgroupV2() && !(isDir("/sys/fs/cgroup/memory") && isDir("/sys/fs/cgroup/pids") && isDir("/sys/fs/cgroup/cpu")) {
		return fmt.Errorf("%w: no usable cgroup hierarchy under /sys/fs/cgroup", ErrUnsupported)
	}
	for _, ns := range []string{"net", "mnt"} {
		if _, err := os.Stat("/proc/self/ns/" + ns); err != nil {
			return fmt.Errorf("%w: no %s namespaces: %v", ErrUnsupported, ns, err)
		}
	}
	return nil
}

// Require checks, before a test spends time on anything else, that a real node can start:
// this host supports one (else it skips loudly, or fails under CI=true: the project's machines
// must run these tests) and the binaries are built (else it fails, or skips like the
// control-plane tests when BERTH_SKIP_CLUSTER=1 outside CI).
func Require(t testing.TB) cluster.Bin {
	t.Helper()
	if err := Supported(); err != nil {
		SkipOrFail(t, err)
	}
	if err := deps.Check(deps.Dpkg{}, deps.Node); err != nil {
		t.Fatal(err)
	}
	b := cluster.RequireBinaries(t)
	n := &Node{bin: b}
	if err := n.checkBinaries(); err != nil {
		if os.Getenv("CI") != "true" && os.Getenv(cluster.EnvSkip) == "1" {
			t.Skipf("SKIPPING REAL-NODE TEST (%s=1): %v", cluster.EnvSkip, err)
		}
		t.Fatal(err)
	}
	return b
}

// ForTest starts a real node for t (after Require) and stops it when t ends.
func ForTest(t testing.TB, opts Options) *Node {
	t.Helper()
	Require(t)
	return cluster.StartForTest(t, "real node", &opts.Logf, func() (*Node, error) { return Start(context.Background(), opts) })
}

// SkipOrFail skips t with a loud message, or fails it when CI=true.
func SkipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("real-node tests must run in CI: %v", err)
	}
	t.Skipf("SKIPPING REAL-NODE TEST: %v", err)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func cgroupV2() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err == nil
}

func (n *Node) checkBinaries() error {
	if err := deps.Check(deps.Dpkg{}, deps.Node); err != nil {
		return err
	}
	var missing []string
	for _, p := range []string{n.kubelet(), n.kubeProxy(), n.coreDNS()} {
		if !deps.IsProgram(p) {
			missing = append(missing, p)
		}
	}
	for _, c := range []string{"sleep", "sh"} {
		if !deps.IsProgram(c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s; build them with `make test-bin` (test/cluster/build.sh)", cluster.ErrNoBinaries, strings.Join(missing, ", "))
	}
	return nil
}

func (n *Node) kubelet() string   { return filepath.Join(n.bin.Dir, "kubelet") }
func (n *Node) kubeProxy() string { return filepath.Join(n.bin.Dir, "kube-proxy") }
func (n *Node) coreDNS() string   { return filepath.Join(n.bin.Dir, "coredns") }
