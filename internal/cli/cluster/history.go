package cluster

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/cli"
)

// historyOptions are `berth history`'s flags.
type historyOptions struct {
	target
	release releaseFlags
}

func newHistory(streams cli.IO) *cobra.Command {
	o := &historyOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "history [-f FILE]... | history --release NAME [-n NS]",
		Short: cli.ClusterShort("history"),
		Long: `History lists the revisions of the Helm release berth apply --format helm made, oldest
first, like helm history: revision, time, status, chart, app version and description.`,
		Example: `  berth history -f compose.yaml
  berth history --release shop -n shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	o.release.bindName(fs)
	return cmd
}

func (o *historyOptions) run(ctx context.Context, streams cli.IO) error {
	rc, name, err := o.release.target(ctx, streams, &o.source, &o.kube)
	if err != nil {
		return err
	}
	revs, err := rc.History(name)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION")
	for _, r := range revs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Version, r.Updated.UTC().Format("2006-01-02 15:04:05 MST"),
			r.Status, nonEmptyCell(r.Chart), nonEmptyCell(r.AppVersion), nonEmptyCell(r.Description))
	}
	return tw.Flush()
}
