//go:build !unix

package cli

import (
	"errors"
	"fmt"
	"os/exec"
)

// execCluster runs berth-cluster as a child with this process's streams and passes its exit
// code on (there is no exec(2) to replace the process here).
func execCluster(streams IO, path string, args []string) error {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = streams.In, streams.Out, streams.ErrOut, streams.Environ
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.ExitCode()}
	}
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s: running %s: %w", args[0], path, err)}
	}
	return nil
}
