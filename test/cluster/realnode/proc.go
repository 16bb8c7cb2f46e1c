package realnode

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/test/cluster"
)

// proc is one node process started by this package.
type proc struct {
	name string
	exe  string // the binary the process runs once started (compared with /proc/PID/exe)
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error
}

// startProc starts argv on thread t with its output in logDir/name.log, in its own process
// group and with SIGKILL as parent-death signal. exe is the binary the process ends up running
// (argv[0] may be a launcher such as nsenter that execs it); startProc waits for that exec so
// that stop can later check /proc/PID/exe before signalling.
func startProc(t *nsThread, name, exe, logDir string, argv []string, attr *syscall.SysProcAttr) (*proc, error) {
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: opening log: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = childEnv()
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	attr.Setpgid, attr.Pdeathsig = true, syscall.SIGKILL
	cmd.SysProcAttr = attr
	if err := t.start(cmd); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, exe: resolved, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !p.ours() {
		if p.exited() {
			return nil, fmt.Errorf("%s exited at once (%v):\n%s", name, p.err, cluster.TailFile(logPath, 10))
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not exec %s within 10s", name, resolved)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return p, nil
}

// childEnv is the environment of node processes: the test's environment without variables
// that would point them at another cluster or a proxy.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "CONTAINERD_ADDRESS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_PROXY=*")
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ours reports whether the process is alive (not a zombie) and runs p.exe.
func (p *proc) ours() bool {
	return !p.exited() && runs(p.pid(), p.exe)
}

// runs reports whether pid is a live, non-zombie process whose executable is exe.
func runs(pid int, exe string) bool {
	s := strconv.Itoa(pid)
	stat, err := os.ReadFile("/proc/" + s + "/stat")
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") {
		return false
	}
	cur, err := os.Readlink("/proc/" + s + "/exe")
	return err == nil && strings.TrimSuffix(cur, " (deleted)") == exe
}

// stop sends SIGTERM and, after grace, SIGKILL; it returns once the process is reaped.
func (p *proc) stop(grace time.Duration) error {
	if p.exited() {
		return nil
	}
	if !p.ours() {
		return fmt.Errorf("%s (pid %d) no longer runs %s: not signalled", p.name, p.pid(), p.exe)
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
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.pid())
	}
}
