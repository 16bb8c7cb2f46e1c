// Command standin stands in for a real app's images on the real node (TestRealApps), keeping
// the app's ports, environment and healthchecks:
//   - as a container's first process (PID 1) it listens on every port of STANDIN_PORTS and
//     answers each connection with an HTTP 200 (httpGet probes pass; TCP clients just connect);
//   - run as standin-dial it dials each host:port argument from inside its pod and fails when
//     one does not answer: the test's proof that a dialer reaches its target through the
//     Service;
//   - under any other name (a healthcheck's pg_isready, curl, redis-cli, sh -c ...) it exits 0
//     when one of its ports answers on localhost, so converted probes keep their commands and
//     pass when the stand-in is up.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ports := strings.Fields(strings.ReplaceAll(os.Getenv("STANDIN_PORTS"), ",", " "))
	switch {
	case filepath.Base(os.Args[0]) == "standin-dial":
		os.Exit(dial(os.Args[1:]))
	case os.Getpid() == 1:
		serve(ports)
	default:
		os.Exit(probe(ports))
	}
}

// serve listens on ports until SIGTERM.
func serve(ports []string) {
	for _, p := range ports {
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "standin: listen %s: %v\n", p, err)
			continue
		}
		go accept(l)
	}
	fmt.Printf("standin: listening on %v, args %q\n", ports, os.Args[1:])
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

func accept(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 4096)
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
		}()
	}
}

// dial connects to each address; 0 when all answer.
func dial(addrs []string) int {
	failed := 0
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, 5*time.Second)
		if err != nil {
			fmt.Printf("%s: %v\n", a, err)
			failed++
			continue
		}
		fmt.Printf("%s: connected to %s\n", a, c.RemoteAddr())
		_ = c.Close()
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// probe is a healthcheck: healthy when one of the stand-in's ports answers on localhost.
func probe(ports []string) int {
	if len(ports) == 0 {
		return 0
	}
	for _, p := range ports {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second); err == nil {
			_ = c.Close()
			return 0
		}
	}
	return 1
}
