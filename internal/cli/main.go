package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"
)

// logFormat prints the warnings compose-go logs through logrus the way berth prints its own
// ("warning: ..."), without timestamps.
type logFormat struct{}

func (logFormat) Format(e *logrus.Entry) ([]byte, error) {
	return []byte(e.Level.String() + ": " + e.Message + "\n"), nil
}

// Main runs berth with the process's arguments and streams and returns the exit code: the
// body of both executables' main (cluster is the zero value in the lean one).
func Main(cluster Cluster) int {
	paceGC(os.Environ())
	logrus.SetFormatter(logFormat{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := NewRoot(IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Environ: os.Environ()}, cluster)
	err := root.ExecuteContext(ctx)
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "berth: "+msg)
		}
	}
	return ExitCode(err)
}
