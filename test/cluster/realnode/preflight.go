package realnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berth-dev/berth/test/cluster"
)

// NodePackages are the Debian packages a real node needs. Start installs the missing ones.
var NodePackages = []string{"containerd", "runc", "containernetworking-plugins", "iptables", "iproute2", "util-linux", "mount"}

// Programs from those packages that Start runs (the containerd shim is found by containerd).
var nodePrograms = []string{
	"/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc",
	"/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback",
}

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
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	n, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stopping real node: %v", err)
		}
	})
	return n
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
	var missing []string
	for _, p := range append([]string{n.kubelet(), n.kubeProxy(), n.coreDNS()}, nodePrograms...) {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, p)
		}
	}
	for _, c := range []string{"nsenter", "ip", "mount", "sleep", "sh", "iptables"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s; run `make test` or test/cluster/build.sh", cluster.ErrNoBinaries, strings.Join(missing, ", "))
	}
	return nil
}

func (n *Node) kubelet() string   { return filepath.Join(n.bin.Dir, "kubelet") }
func (n *Node) kubeProxy() string { return filepath.Join(n.bin.Dir, "kube-proxy") }
func (n *Node) coreDNS() string   { return filepath.Join(n.bin.Dir, "coredns") }

// EnsurePackages installs the Debian packages among pkgs that are not installed, with
// apt-get as root. While it runs, /usr/sbin/policy-rc.d (if absent) forbids package scripts
// to start services, so no system containerd, redis or postgres is left running. Installs
// from several test processes are serialised by a lock file.
func EnsurePackages(ctx context.Context, pkgs ...string) error {
	missing := missingPackages(pkgs)
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: packages %s are missing and installing them needs root", ErrUnsupported, strings.Join(missing, " "))
	}
	lock, err := os.OpenFile("/var/lock/berth-test-apt.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("apt lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("apt lock: %w", err)
	}
	if missing = missingPackages(pkgs); len(missing) == 0 {
		return nil
	}
	const guard = "/usr/sbin/policy-rc.d"
	if _, err := os.Lstat(guard); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(guard, []byte("#!/bin/sh\n# berth test: never start services while installing\nexit 101\n"), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", guard, err)
		}
		defer os.Remove(guard)
	}
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 20))
		}
		return nil
	}
	if err := run("-o", "DPkg::Lock::Timeout=300", "update"); err != nil {
		return err
	}
	return run(append([]string{"-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends"}, missing...)...)
}

func missingPackages(pkgs []string) []string {
	var missing []string
	for _, p := range pkgs {
		out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", p).Output()
		if err != nil || !strings.Contains(string(out), "install ok installed") {
			missing = append(missing, p)
		}
	}
	return missing
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
