package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// spawner starts child processes from one goroutine locked to its OS thread. Linux delivers
// a child's parent-death signal (Pdeathsig) when the *thread* that forked it ends, and Go may
// end threads; a thread that lives exactly as long as the cluster makes Pdeathsig mean
// "the test process is gone" and nothing else.
type spawner struct {
	reqs chan spawnRequest
	quit chan struct{}
}

type spawnRequest struct {
	cmd  *exec.Cmd
	errc chan error
}

// newSpawner starts the spawner thread; with netns set (a path such as /proc/PID/ns/net) the
// thread joins that network namespace first, so every child starts inside it.
func newSpawner(netns string) (*spawner, error) {
	s := &spawner{reqs: make(chan spawnRequest), quit: make(chan struct{})}
	ready := make(chan error, 1)
	go s.loop(netns, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return s, nil
}

func (s *spawner) loop(netns string, ready chan<- error) {
	// Never unlocked: when loop returns, Go ends this thread, so any child still running
	// then (none, after Stop) receives its Pdeathsig. A thread that joined another network
	// namespace must not run other goroutines either.
	runtime.LockOSThread()
	if netns != "" {
		// Go parks rather than ends the process's main thread: return to our namespace
		// before exiting, so that a parked thread does not keep the other one alive
		origin, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ready <- err
			return
		}
		defer origin.Close()
		if err := setns(netns); err != nil {
			ready <- err
			return
		}
		defer unix.Setns(int(origin.Fd()), unix.CLONE_NEWNET) //nolint:errcheck // best effort on exit
	}
	ready <- nil
	for {
		select {
		case r := <-s.reqs:
			r.errc <- r.cmd.Start()
		case <-s.quit:
			return
		}
	}
}

func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnRequest{cmd: cmd, errc: make(chan error, 1)}
	select {
	case s.reqs <- r:
		return <-r.errc
	case <-s.quit:
		return errors.New("cluster is stopped")
	}
}

func (s *spawner) close() { close(s.quit) }

// setns moves the calling thread into the network namespace at path.
func setns(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("joining network namespace %s: %w", path, err)
	}
	return nil
}

// Proc is one child process of a test harness (a control-plane component here, a node process
// in realnode): in its own process group (so a terminal's ^C reaches only the test process,
// which stops the children in order), with SIGKILL as its parent-death signal (so a test
// process that dies without stopping them leaves nothing running), its output appended to a
// log file, and signalled only while it still runs the binary it was started for.
type Proc struct {
	Name string
	Exe  string // resolved path of the binary, compared with /proc/PID/exe before signalling
	Log  string
	Cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // exit status, valid after done
}

// StartProc starts argv through start (the fork of a thread that lives as long as the harness:
// see spawner) with env, attr (nil for none; Setpgid and Pdeathsig are always set) and its
// output appended to logDir/<name>.log. argv[0] is exe itself, or a launcher such as nsenter
// that execs exe: StartProc then waits for that exec, so that Stop can check /proc/PID/exe.
func StartProc(start func(*exec.Cmd) error, name, exe, logDir string, argv []string, attr *syscall.SysProcAttr, env []string) (*Proc, error) {
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: opening log: %w", name, err)
	}
	launcher := argv[0] != exe
	if !launcher {
		argv = append([]string{resolved}, argv[1:]...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = env
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	attr.Setpgid, attr.Pdeathsig = true, syscall.SIGKILL
	cmd.SysProcAttr = attr
	if err := start(cmd); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Proc{Name: name, Exe: resolved, Log: logPath, Cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	if launcher {
		return p, p.awaitExec()
	}
	return p, nil
}

// awaitExec waits until the launcher has exec'd p.Exe.
func (p *Proc) awaitExec() error {
	deadline := time.Now().Add(10 * time.Second)
	for !p.Ours() {
		if p.Exited() {
			return fmt.Errorf("%s exited at once (%v):\n%s", p.Name, p.err, p.Tail(10))
		}
		if time.Now().After(deadline) {
			_ = p.Cmd.Process.Kill()
			return fmt.Errorf("%s did not exec %s within 10s", p.Name, p.Exe)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// ChildEnv is the environment of a harness's processes: the test's environment without the
// variables that would make them talk to another cluster or through a proxy (drop names more),
// with NO_PROXY set to noProxy.
func ChildEnv(noProxy string, drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k = strings.ToUpper(k); k {
		case "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY":
			continue
		}
		if slices.Contains(drop, k) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_PROXY="+noProxy)
}

// PID is the process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Err is the exit status, valid once Exited.
func (p *Proc) Err() error { return p.err }

// Exited reports whether the process has exited and been reaped.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Ours reports whether p's PID still runs the binary the harness started. The harness is the
// parent and reaps the child only in Wait, so the PID cannot be recycled before done is closed;
// the check guards against mistakes all the same.
func (p *Proc) Ours() bool {
	return !p.Exited() && Runs(p.PID(), p.Exe)
}

// Runs reports whether pid is a live, non-zombie process whose executable is exe.
func Runs(pid int, exe string) bool {
	s := strconv.Itoa(pid)
	stat, err := os.ReadFile("/proc/" + s + "/stat")
	if err != nil {
		return false
	}
	// state is the field after "(comm)"; comm may contain spaces and parentheses
	if i := strings.LastIndexByte(string(stat), ')'); i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") {
		return false
	}
	cur, err := os.Readlink("/proc/" + s + "/exe")
	return err == nil && strings.TrimSuffix(cur, " (deleted)") == exe
}

// Stop sends SIGTERM and, after grace, SIGKILL; it returns once the process has been reaped.
func (p *Proc) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	if !p.Ours() {
		return fmt.Errorf("%s (pid %d) no longer runs %s: not signalled", p.Name, p.PID(), p.Exe)
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	if p.Ours() {
		_ = p.Cmd.Process.Kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.Name, p.PID())
	}
}

// ExitError says that a process exited while the harness waited for something.
type ExitError struct {
	Proc *Proc
	What string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s exited (%v) while waiting for %s", e.Proc.Name, e.Proc.err, e.What)
}

// Poll calls check every 100ms (each call bounded by 5s) until it succeeds, one of procs has
// exited (an *ExitError), or ctx ends.
func Poll(ctx context.Context, what string, check func(context.Context) error, procs func() []*Proc) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		for _, p := range procs() {
			if p.Exited() {
				return &ExitError{Proc: p, What: what}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last check: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// FailureReport returns the last lines of each process's log.
func FailureReport(procs []*Proc) string {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "\n--- %s (last lines of %s):\n%s", p.Name, p.Log, p.Tail(20))
	}
	return b.String()
}

// Tail returns the last n lines of p's log.
func (p *Proc) Tail(n int) string {
	return TailFile(p.Log, n)
}

// TailFile returns the last n lines of the file at path ("" when it cannot be read): the
// part of a component's log worth showing when it fails.
func TailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
