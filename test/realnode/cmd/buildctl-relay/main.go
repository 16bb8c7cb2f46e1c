// Command buildctl-relay stands in for `buildctl dial-stdio` in a pod: it copies stdin to a
// BuildKit daemon's unix socket and the socket to stdout, which is all a kube-pod:// builder
// address asks of the pod (BuildKit's kube-pod helper runs `kubectl exec -i POD -- buildctl
// dial-stdio`). The socket is -addr, default /run/buildkit/buildkitd.sock. `buildctl wait`
// is the pod's main process: it waits for SIGTERM.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	addr := flag.String("addr", "unix:///run/buildkit/buildkitd.sock", "buildkitd address")
	flag.Parse()
	if flag.Arg(0) == "wait" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return
	}
	if flag.Arg(0) != "dial-stdio" {
		fmt.Fprintln(os.Stderr, "usage: buildctl [--addr unix://PATH] dial-stdio")
		os.Exit(2)
	}
	c, err := net.Dial("unix", strings.TrimPrefix(*addr, "unix://"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(os.Stdout, c)
		close(done)
	}()
	_, _ = io.Copy(c, os.Stdin)
	_ = c.(*net.UnixConn).CloseWrite()
	<-done
}
