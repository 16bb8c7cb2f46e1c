package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/pkg/report"
	"github.com/berth-dev/berth/pkg/write"
	"github.com/spf13/cobra"
)

// reportOptions are `berth report`'s flags.
type reportOptions struct {
	input ConvertFlags
	out   string
}

func newReport(streams IO) *cobra.Command {
	o := &reportOptions{input: ConvertFlags{Environ: streams.Environ}}
	cmd := &cobra.Command{
		Use:   "report [-f FILE]... -o FILE",
		Short: "Write the migration report (HTML with the service graph, Markdown or JSON)",
		Long: `Report converts the app like convert does, writes no objects, and writes the
field-accounting report: every input field, what it became or why not, totals and warnings.
The extension of -o picks the format: .html is one self-contained page (no network needed to
view it) with the service graph, .md Markdown, .json JSON.`,
		Example: `  berth report -f compose.yaml -o migration.html`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	o.input.Bind(cmd.Flags())
	cmd.Flags().StringVarP(&o.out, "output", "o", "", "report FILE (.html, .md or .json)")
	return cmd
}

func (o *reportOptions) run(ctx context.Context, streams IO) error {
	if o.out == "" {
		return errors.New("-o FILE is required (.html, .md or .json)")
	}
	if _, err := report.FormatFor(o.out); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if err := o.input.Validate(); err != nil {
		return err
	}
	res, app, err := o.input.Run(ctx)
	if err != nil {
		return err
	}
	red := report.NewRedactor(app, res.Objects)
	PrintWarnings(streams.ErrOut, res.Diagnostics, red)
	data, err := renderReport(o.out, app, res, red)
	if err != nil {
		return err
	}
	return write.File(o.out, data, write.FileMode)
}
