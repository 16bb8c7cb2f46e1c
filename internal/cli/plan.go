package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/plan"
	"github.com/berth-dev/berth/pkg/write"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// planOptions are `berth plan`'s flags.
type planOptions struct {
	input ConvertFlags
	out   string
}

func newPlan(streams IO) *cobra.Command {
	o := &planOptions{input: ConvertFlags{Environ: streams.Environ}}
	cmd := &cobra.Command{
		Use:   "plan [-f FILE]... [-o FILE]",
		Short: "Write the switch-over runbook (Markdown) for moving the app onto Kubernetes",
		Long: `Plan converts the app like convert does and writes the switch-over runbook with the
app's own names: DNS TTLs of the public hosts, namespace, secrets to fill (names and keys, never
values), volumes, how to dump and restore each stateful service, apply, readiness checks, the DNS
switch, scheduled jobs and the rollback path.`,
		Example: `  berth plan -f compose.yaml -o switch-over.md`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams, inputArgs(cmd.Flags()))
		},
	}
	o.input.Bind(cmd.Flags())
	cmd.Flags().StringVarP(&o.out, "output", "o", "", "write the runbook to FILE (default: stdout)")
	return cmd
}

func (o *planOptions) run(ctx context.Context, streams IO, args []string) error {
	if err := o.input.Validate(); err != nil {
		return err
	}
	res, app, err := o.input.Run(ctx)
	if err != nil {
		return err
	}
	data := plan.Markdown(app, res, plan.Options{Args: args})
	if o.out == "" {
		if _, err := streams.Out.Write(data); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		return nil
	}
	return write.File(o.out, data, write.FileMode)
}

// inputArgs repeats the input flags the user set (all but -o), for the berth commands of the
// runbook; nil when none was set.
func inputArgs(fs *pflag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *pflag.Flag) {
		if f.Name == "output" {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name, v)
			}
			return
		}
		args = append(args, "--"+f.Name, f.Value.String())
	})
	if len(args) > 0 && strings.HasPrefix(args[0], "--") {
		return args
	}
	return nil
}
