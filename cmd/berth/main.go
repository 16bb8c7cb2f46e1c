// Command berth converts Docker Compose and ECS applications to Kubernetes and drives a cluster.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/sirupsen/logrus"
)

// logFormat prints the warnings compose-go logs through logrus the way berth prints its own
// ("warning: ..."), without timestamps.
type logFormat struct{}

func (logFormat) Format(e *logrus.Entry) ([]byte, error) {
	return []byte(e.Level.String() + ": " + e.Message + "\n"), nil
}

func main() {
	logrus.SetFormatter(logFormat{})
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
