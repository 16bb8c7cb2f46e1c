package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// restartGrace is how long RestartAPIServer lets kube-apiserver shut down before SIGKILL.
const restartGrace = 3 * time.Second

const (
	runDirPrefix = "berth-cluster-"
	ownerFile    = "owner" // PID of the test process that created the run directory
)

// Stop stops exactly the processes this Cluster started (by PID, each only while
// /proc/PID/exe is still its binary): SIGTERM, then SIGKILL after Options.StopGrace. It then
// removes the run directory unless Options.KeepDir or BERTH_TEST_KEEP=1. Stop is idempotent
// and returns the first error of the first call.
func (c *Cluster) Stop() error {
	return c.stop(!c.opts.KeepDir)
}

func (c *Cluster) stop(removeDir bool) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return c.stopErr
	}
	c.stopped = true
	procs := c.procs
	c.mu.Unlock()

	// clients first, then the apiserver (it shuts down slowly while watches are open), then
	// etcd (the apiserver hangs on shutdown when etcd is already gone)
	var errs []error
	for _, phase := range [][]string{{"kwok", "kube-scheduler", "kube-controller-manager"}, {"kube-apiserver"}, {"etcd"}} {
		errs = append(errs, stopAll(procsNamed(procs, phase), c.opts.StopGrace)...)
	}
	if c.spawner != nil {
		c.spawner.close()
	}
	err := errors.Join(errs...)
	if c.Dir != "" {
		if err == nil && removeDir {
			err = os.RemoveAll(c.Dir)
		} else {
			// a kept directory is not swept by a later Start
			_ = os.Remove(filepath.Join(c.Dir, ownerFile))
		}
	}
	if err == nil {
		c.logf("stopped %d processes", len(procs))
	}
	c.mu.Lock()
	c.stopErr = err
	c.mu.Unlock()
	return err
}

func procsNamed(procs []*Proc, names []string) []*Proc {
	var out []*Proc
	for _, p := range procs {
		for _, n := range names {
			if p.Name == n {
				out = append(out, p)
			}
		}
	}
	return out
}

// stopAll stops procs in parallel.
func stopAll(procs []*Proc, grace time.Duration) []error {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Stop(grace)
		}()
	}
	wg.Wait()
	return errs
}

// PIDs returns the process IDs of the running components by name (for tests and debugging).
func (c *Cluster) PIDs() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string]int{}
	for _, p := range c.procs {
		if !p.Exited() {
			m[p.Name] = p.PID()
		}
	}
	return m
}

// RestartAPIServer stops kube-apiserver (SIGTERM, as a rolling control-plane update would)
// and starts it again with the same flags on the same port, then waits until it is ready.
// Clients built from c.Config keep working across the restart.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	// With controllers' watches open, kube-apiserver's graceful shutdown waits for them far
	// longer than a test wants to; what matters here is that it goes away and comes back.
	if err := c.StopAPIServer(restartGrace); err != nil {
		return err
	}
	return c.StartAPIServer(ctx)
}

// StopAPIServer stops kube-apiserver: SIGTERM, then SIGKILL after grace (0: at once, as a
// crash or a lost machine would). The other components keep running; StartAPIServer brings it
// back.
func (c *Cluster) StopAPIServer(grace time.Duration) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return errors.New("cluster is stopped")
	}
	var old *Proc
	for _, p := range c.procs {
		if p.Name == "kube-apiserver" && !p.Exited() {
			old = p
		}
	}
	c.mu.Unlock()
	if old == nil {
		return errors.New("kube-apiserver is not running")
	}
	if grace == 0 {
		if !old.Ours() {
			return fmt.Errorf("kube-apiserver (pid %d) no longer runs %s: not signalled", old.PID(), old.Exe)
		}
		_ = old.Cmd.Process.Kill()
		<-old.done
		c.logf("killed kube-apiserver (pid %d)", old.PID())
		return nil
	}
	if err := old.Stop(grace); err != nil {
		return fmt.Errorf("stopping kube-apiserver: %w", err)
	}
	return nil
}

// StartAPIServer starts kube-apiserver again after StopAPIServer, with the same flags on the
// same port, and waits until it is ready.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return errors.New("cluster is stopped")
	}
	idx := -1
	for i, p := range c.procs {
		if p.Name == "kube-apiserver" {
			if !p.Exited() {
				c.mu.Unlock()
				return fmt.Errorf("kube-apiserver is running (pid %d)", p.PID())
			}
			idx = i
		}
	}
	c.mu.Unlock()
	if idx < 0 {
		return errors.New("this cluster has no kube-apiserver")
	}
	p, err := c.startProc("kube-apiserver", c.bin.KubeAPIServer, c.apiArgs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.procs[idx] = p
	c.mu.Unlock()
	c.logf("started kube-apiserver again (pid %d)", p.PID())
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.waitFor(ctx, "kube-apiserver ready after restart", c.apiReady); err != nil {
		return fmt.Errorf("%w\n--- kube-apiserver (last lines of %s):\n%s", err, p.Log, p.Tail(20))
	}
	return nil
}

// sweepStaleDirs removes run directories under tmp left by test processes that died
// without calling Stop (their components died with them through Pdeathsig). A directory is
// removed only when its owner file names a PID that no longer exists.
func sweepStaleDirs(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPrefix+"*"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, ownerFile)); err == nil && !ownerAlive(d) {
			_ = os.RemoveAll(d)
		}
	}
}

// ownerAlive reports whether dir's owner file names a live process other than this one
// (a run directory of this process is reused only after Stop removed its owner file).
func ownerAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
