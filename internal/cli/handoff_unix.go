//go:build unix

package cli

import (
	"fmt"
	"syscall"
)

// execCluster replaces this process with berth-cluster, so signals, the terminal and the exit
// code are the helper's own, as if the user had run it.
func execCluster(streams IO, path string, args []string) error {
	err := syscall.Exec(path, append([]string{path}, args...), streams.Environ)
	return &ExitError{Code: 1, Err: fmt.Errorf("%s: running %s: %w", args[0], path, err)}
}
