// Package cli holds berth's cobra commands. Commands are thin: flags → options struct →
// validate → run; the work happens in pkg/.
package cli

import (
	"io"

	"github.com/spf13/cobra"
)

// IO carries the process streams, so commands never touch os.Stdout directly (tests can
// capture them).
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Environ is the process environment ("KEY=value"), read by commands instead of os.Getenv.
	Environ []string
}

// NewRoot builds the berth command tree.
func NewRoot(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "berth",
		Short:         "Move Docker Compose and ECS applications onto Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	for _, add := range commands() {
		root.AddCommand(add(streams))
	}
	return root
}

// commands lists the constructors of berth's subcommands, one file each.
func commands() []func(IO) *cobra.Command {
	return []func(IO) *cobra.Command{
		newConvert,
		newApply,
		newDiff,
		newStatus,
		newRestart,
		newDown,
		newRollback,
		newHistory,
		newValidate,
		newPlan,
		newReport,
	}
}
