package cluster

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
)

// statusOptions are `berth status`'s flags.
type statusOptions struct {
	target
	release releaseFlags
}

func newStatus(streams cli.IO) *cobra.Command {
	o := &statusOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "status [-f FILE]... | status --app NAME [-n NS] | status --release NAME [-n NS]",
		Short: cli.ClusterShort("status"),
		Long: `Status lists the workloads berth apply created: those of the application's ApplySet, or,
when the application was applied with --format helm, those of its Helm release (named by
--release, default the application's name), after a line naming the release's revision.`,
		Example: `  berth status -f compose.yaml
  berth status --app shop -n shop
  berth status --release shop -n shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	o.target.bind(cmd.Flags())
	o.release.bindName(cmd.Flags())
	return cmd
}

func (o *statusOptions) run(ctx context.Context, streams cli.IO) error {
	return objectsOrRelease(ctx, streams, &o.target, &o.release, func(c *apply.Client, set apply.Set) error {
		rows, err := apply.Status(ctx, c, set)
		if err != nil {
			return err
		}
		printStatus(streams, rows, time.Now())
		return nil
	}, func(rc *release.Client, name string) error {
		return releaseStatus(ctx, streams, rc, name)
	})
}

// releaseStatus prints the release's newest revision and its workloads.
func releaseStatus(ctx context.Context, streams cli.IO, rc *release.Client, name string) error {
	rel, rows, err := rc.Status(ctx, name)
	if err != nil {
		return err
	}
	printRelease(streams.Out, rel)
	printStatus(streams, rows, time.Now())
	return nil
}

// printStatus writes the table; a workload that is not ready says why in the last column.
func printStatus(streams cli.IO, rows []apply.WorkloadStatus, now time.Time) {
	if len(rows) == 0 {
		fmt.Fprintln(streams.ErrOut, "no workloads")
		return
	}
	tw := tabwriter.NewWriter(streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tSERVICE\tREADY\tIMAGES\tAGE\tSTATUS")
	for _, r := range rows {
		status := "ready"
		if !r.Done || r.Reason != "" {
			status = r.Reason
		}
		name := strings.ToLower(r.Kind) + "/" + r.Name
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\n", name, nonEmptyCell(r.Service), r.Ready, r.Desired,
			nonEmptyCell(strings.Join(r.Images, ",")), duration.HumanDuration(now.Sub(r.Created)), status)
	}
	tw.Flush()
}

func nonEmptyCell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
