// Command berth converts Docker Compose and ECS applications to Kubernetes and drives a cluster.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/berth-dev/berth/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cli.NewRoot(cli.IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Environ: os.Environ()})
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "berth: "+msg)
		}
	}
	os.Exit(cli.ExitCode(err))
}
