// Command kube-up starts the test control plane (package test/cluster) for scripts such as
// scripts/bench-apply.sh: it prints the kubeconfig path on stdout, keeps the cluster running
// until it is interrupted (SIGINT/SIGTERM) or its standard input closes, then stops it.
//
//	go run ./test/cluster/cmd/kube-up [-nodes N] [-pvs N]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/berth-dev/berth/test/cluster"
)

func main() {
	nodes := flag.Int("nodes", 1, "fake kwok nodes")
	pvs := flag.Int("pvs", 50, "pre-made PersistentVolumes")
	flag.Parse()
	c, err := cluster.Start(context.Background(), cluster.Options{Nodes: *nodes, PVs: *pvs,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, "kube-up: "+f+"\n", a...) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube-up:", err)
		os.Exit(1)
	}
	fmt.Println(c.Kubeconfig)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	}
	stop()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "kube-up: stopping:", err)
		os.Exit(1)
	}
}
