package cluster

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/spf13/cobra"
)

// diffOptions are `berth diff`'s flags.
type diffOptions struct {
	target
	force        bool
	prune        bool
	pruneVolumes bool
	suspend      bool
	format       string
	release      releaseFlags
}

func newDiff(streams cli.IO) *cobra.Command {
	o := &diffOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "diff [-f FILE]... | diff --from DIR",
		Short: cli.ClusterShort("diff"),
		Long: `Diff converts the application (or reads --from DIR) and asks the server what a server-side
apply would make of each object (a dry run), then prints a unified diff against the live
object. Server-owned metadata and status are left out and Secret values are masked. Exit
status: 0 when nothing differs, 1 when something does, 2 or more on errors (like kubectl diff).`,
		Example: `  berth diff -f compose.yaml
  berth diff --from k8s/ --prune
  berth diff --format helm -f compose.yaml --set workloads.web.replicas=3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch o.format {
			case applyHelm:
				return o.runHelm(cmd.Context(), streams)
			case applyObjects:
				return o.run(cmd.Context(), streams)
			}
			return &cli.ExitError{Code: 2, Err: fmt.Errorf("--format %q: want yaml or helm", o.format)}
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	fs.BoolVar(&o.force, "force-conflicts", false, "diff as if apply took over fields other field managers own")
	fs.BoolVar(&o.prune, "prune", false, "also show the objects apply --prune would delete")
	fs.BoolVar(&o.pruneVolumes, "prune-volumes", false, "with --prune, include PersistentVolumeClaims")
	fs.BoolVar(&o.suspend, "suspend-cronjobs", false, "diff as berth apply --suspend-cronjobs would apply: CronJobs suspended")
	fs.StringVar(&o.format, "format", applyObjects, `"helm": diff what berth apply --format helm would change in the release`)
	o.release.bindName(fs)
	o.release.bindValues(fs)
	return cmd
}

func (o *diffOptions) run(ctx context.Context, streams cli.IO) error {
	c, ns, err := o.kube.client(streams.Environ)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	objs, set, err := o.source.load(ctx, streams, ns)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if o.suspend {
		apply.SuspendCronJobs(objs)
	}
	differs, err := apply.Diff(ctx, c, objs, apply.DiffOptions{
		Set: set, ForceConflicts: o.force, Prune: o.prune, PruneVolumes: o.pruneVolumes, Out: streams.Out,
	})
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if differs {
		return &cli.ExitError{Code: 1}
	}
	return nil
}

// runHelm diffs the Helm release berth apply --format helm would make.
func (o *diffOptions) runHelm(ctx context.Context, streams cli.IO) error {
	vals, err := o.release.mergedValues()
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	cfg, defaultNS, err := o.kube.config(streams.Environ)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	chrt, name, ns, err := o.release.chart(ctx, streams, &o.source, vals, defaultNS)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	c, err := release.New(cfg, ns)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	differs, err := c.Diff(ctx, name, chrt, vals, streams.Out)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if differs {
		return &cli.ExitError{Code: 1}
	}
	return nil
}
