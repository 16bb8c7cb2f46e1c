package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// proc is one control-plane process started by the harness.
type proc struct {
	name string
	exe  string // resolved path of the binary, compared with /proc/PID/exe before signalling
	args []string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // exit status, valid after done
}

// startProc starts exe with args, stdout and stderr appended to logDir/<name>.log, in its own
// process group (so a terminal's ^C reaches only the test process, which stops the children
// in order) and with SIGKILL as its parent-death signal (so a test process that dies without
// calling Stop leaves nothing running).
func startProc(sp *spawner, name, exe, logDir string, args []string) (*proc, error) {
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: opening log: %w", name, err)
	}
	cmd := exec.Command(resolved, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := sp.start(cmd); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, exe: resolved, args: args, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// childEnv is the environment of the control-plane processes: the test's environment minus
// variables that would make them talk to another cluster or proxy loopback traffic.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "ETCDCTL_API":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_PROXY=127.0.0.1,localhost")
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ours reports whether p's PID still runs the binary the harness started. The harness is the
// parent and reaps the child only in Wait, so the PID cannot be recycled before done is closed;
// the check guards against mistakes all the same.
func (p *proc) ours() bool {
	if p.exited() {
		return false
	}
	pid := strconv.Itoa(p.cmd.Process.Pid)
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	// state is the field after "(comm)"; comm may contain spaces and parentheses
	if i := strings.LastIndexByte(string(stat), ')'); i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") {
		return false
	}
	cur, err := os.Readlink("/proc/" + pid + "/exe")
	if err != nil {
		return false
	}
	return strings.TrimSuffix(cur, " (deleted)") == p.exe
}

// stop sends SIGTERM and, after grace, SIGKILL; it returns once the process has been reaped.
func (p *proc) stop(grace time.Duration) error {
	if !p.ours() {
		if !p.exited() {
			return fmt.Errorf("%s (pid %d) no longer runs %s: not signalled", p.name, p.cmd.Process.Pid, p.exe)
		}
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	if p.ours() {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// tail returns the last n lines of p's log.
func (p *proc) tail(n int) string {
	return TailFile(p.log, n)
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
