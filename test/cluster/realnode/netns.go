package realnode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// nsThread is one OS thread that has joined the node's network namespace. Sockets created on
// it (listeners, outgoing connections) live in that namespace, and processes forked from it
// start there. The thread lives exactly as long as the node, which also makes it the right
// parent for Pdeathsig: Linux sends a child's parent-death signal when the forking *thread*
// ends, so the node's processes die with the test process and not earlier.
type nsThread struct {
	path string
	reqs chan func()
	quit chan struct{}
}

// newNSThread starts the thread, still in the caller's network namespace (join moves it).
func newNSThread() *nsThread {
	t := &nsThread{reqs: make(chan func()), quit: make(chan struct{})}
	go func() {
		// never unlocked: a thread that changed namespace must not run other goroutines;
		// Go ends it when this goroutine returns
		runtime.LockOSThread()
		// Go cannot end the process's main thread (it parks it instead), and a parked
		// thread in the node's namespace would keep that namespace alive: go back first.
		origin, err := os.Open("/proc/thread-self/ns/net")
		if err == nil {
			defer func() {
				_ = unix.Setns(int(origin.Fd()), unix.CLONE_NEWNET)
				origin.Close()
			}()
		}
		for {
			select {
			case fn := <-t.reqs:
				fn()
			case <-t.quit:
				return
			}
		}
	}()
	return t
}

// join moves the thread into the network namespace at path (/proc/PID/ns/net).
func (t *nsThread) join(path string) error {
	var err error
	if derr := t.do(func() {
		f, oerr := os.Open(path)
		if oerr != nil {
			err = oerr
			return
		}
		defer f.Close()
		if serr := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); serr != nil {
			err = fmt.Errorf("joining network namespace %s: %w", path, serr)
		}
	}); derr != nil {
		return derr
	}
	if err == nil {
		t.path = path
	}
	return err
}

// do runs fn on the namespace thread.
func (t *nsThread) do(fn func()) error {
	done := make(chan struct{})
	select {
	case t.reqs <- func() { fn(); close(done) }:
		<-done
		return nil
	case <-t.quit:
		return errors.New("node is stopped")
	}
}

// DialContext connects to addr inside the node's network namespace.
func (t *nsThread) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	var err error
	if derr := t.do(func() {
		d := net.Dialer{Timeout: 5 * time.Second}
		c, err = d.DialContext(ctx, network, addr)
	}); derr != nil {
		return nil, derr
	}
	return c, err
}

// Listen opens a TCP listener inside the node's network namespace.
func (t *nsThread) Listen(addr string) (net.Listener, error) {
	var l net.Listener
	var err error
	if derr := t.do(func() { l, err = net.Listen("tcp", addr) }); derr != nil {
		return nil, derr
	}
	return l, err
}

// start starts cmd from the namespace thread.
func (t *nsThread) start(cmd *exec.Cmd) error {
	var err error
	if derr := t.do(func() { err = cmd.Start() }); derr != nil {
		return derr
	}
	return err
}

func (t *nsThread) close() { close(t.quit) }
