package realnode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	runDirPrefix = "berth-realnode-"
	ownerFile    = "owner"       // PID of the test process that created the run directory
	netnsFile    = "netns"       // the holder's network namespace, as /proc/PID/ns/net reads
	cgrootFile   = "cgroup-root" // the kubelet's cgroup root
	stopGrace    = 10 * time.Second
)

// Stop stops exactly what Start started, in an order that leaves nothing behind: the kubelet
// (so it restarts nothing), every process in the node's pod cgroups, the node processes and
// the control plane, then whatever is left in the node's network namespace (containerd shims
// outlive containerd), then the holder (the namespaces, their mounts, bridge and iptables
// rules vanish with it); finally the cgroups and, unless kept, the run directory. Only
// processes it started (checked by /proc/PID/exe), processes in its own cgroups and processes
// in its own network namespace are signalled, never anything by name. Stop is idempotent.
func (n *Node) Stop() error {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return n.stopErr
	}
	n.stopped = true
	procs, holder, listeners := n.procs, n.holder, n.listeners
	n.mu.Unlock()

	var errs []error
	if p := procs["kubelet"]; p != nil {
		errs = append(errs, p.Stop(stopGrace))
	}
	errs = append(errs, killCgroup(n.cgroot))
	for _, name := range []string{"buildkitd", "kube-proxy", "coredns", "containerd"} {
		if p := procs[name]; p != nil {
			errs = append(errs, p.Stop(stopGrace))
		}
	}
	for _, l := range listeners {
		_ = l.Close()
	}
	if n.registry != nil {
		_ = n.registry.srv.Close()
	}
	if n.Cluster != nil {
		errs = append(errs, n.Cluster.Stop())
	}
	if holder != nil {
		if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", holder.PID())); err == nil && holder.Ours() {
			errs = append(errs, killNetns(ns, holder.PID(), ""))
		}
		errs = append(errs, holder.Stop(stopGrace))
	}
	if n.thread != nil {
		n.thread.close()
	}
	errs = append(errs, removeCgroup(n.cgroot))
	err := errors.Join(errs...)
	if n.Dir != "" {
		if err == nil && !n.opts.KeepDir {
			err = os.RemoveAll(n.Dir)
		} else {
			_ = os.Remove(filepath.Join(n.Dir, ownerFile))
		}
	}
	n.mu.Lock()
	n.stopErr = err
	n.mu.Unlock()
	if err == nil {
		n.logf("stopped")
	}
	return err
}

// cgroupDirs lists every cgroup directory below root in every hierarchy, deepest first.
func cgroupDirs(root string) []string {
	if root == "" || root == "/" || !strings.HasPrefix(filepath.Base(root), runDirPrefix) {
		return nil
	}
	var dirs []string
	for _, h := range cgroupHierarchies() {
		_ = filepath.WalkDir(filepath.Join(h, root), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	return dirs
}

// killCgroup SIGKILLs every process in the cgroups below root (the node's containers)
// until none is left.
func killCgroup(root string) error {
	for range 100 {
		pids := map[int]bool{}
		for _, d := range cgroupDirs(root) {
			b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids[pid] = true
				}
			}
		}
		if len(pids) == 0 {
			return nil
		}
		for pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("processes still in cgroup %s after SIGKILL", root)
}

func removeCgroup(root string) error {
	var errs []error
	for _, d := range cgroupDirs(root) {
		if err := os.Remove(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing cgroup: %w", err))
		}
	}
	return errors.Join(errs...)
}

// killNetns SIGKILLs every process whose network namespace is ns (as /proc/PID/ns/net reads,
// e.g. "net:[4026532]"), except keep, and, when mark is set, only those whose command line
// contains mark. While the holder lives, the namespace is surely this node's; a swept
// namespace's identity may have been reused, hence the mark (the run directory, which every
// containerd shim names in its -address flag).
func killNetns(ns string, keep int, mark string) error {
	self := os.Getpid()
	for range 20 {
		left := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == keep || pid == self {
				continue
			}
			if cur, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && cur == ns {
				if cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline"); mark != "" && !strings.Contains(string(cmdline), mark) {
					continue
				}
				_ = syscall.Kill(pid, syscall.SIGKILL)
				left++
			}
		}
		if left == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("processes still in network namespace %s after SIGKILL", ns)
}

// sweepStale cleans up after test processes that died without Stop: their node processes
// died with them (Pdeathsig), but containers and containerd shims did not. A run directory is
// swept only when its owner file names a PID that no longer exists.
func sweepStale(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			continue
		}
		root, _ := os.ReadFile(filepath.Join(d, cgrootFile))
		_ = killCgroup(strings.TrimSpace(string(root)))
		if ns, err := os.ReadFile(filepath.Join(d, netnsFile)); err == nil {
			_ = killNetns(strings.TrimSpace(string(ns)), 0, d+"/")
		}
		_ = removeCgroup(strings.TrimSpace(string(root)))
		_ = os.RemoveAll(d)
	}
}
