package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/spf13/cobra"
)

// rollbackOptions are `berth rollback`'s flags.
type rollbackOptions struct {
	target
	release releaseFlags
	dryRun  string
	wait    bool
	timeout time.Duration
}

func newRollback(streams cli.IO) *cobra.Command {
	o := &rollbackOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "rollback [REVISION] [-f FILE]... | rollback [REVISION] --release NAME [-n NS]",
		Short: cli.ClusterShort("rollback"),
		Long: `Rollback makes a new revision of the application's Helm release (berth apply --format helm)
from an earlier one, as helm rollback does: the old chart and values, applied again. REVISION
defaults to the one before the current revision; berth history lists them. Then it waits for
the rollouts like berth apply.`,
		Example: `  berth rollback -f compose.yaml
  berth rollback 3 --release shop -n shop`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := 0
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 {
					return fmt.Errorf("revision %q: want a revision number (1 or more; berth history lists them)", args[0])
				}
				rev = n
			}
			return o.run(cmd.Context(), streams, rev)
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	o.release.bindName(fs)
	fs.IntVar(&o.release.historyMax, "history-max", release.DefaultHistoryMax, "revisions kept per release (0: no limit)")
	fs.StringVar(&o.dryRun, "dry-run", "none", `"client" or "server": check the rollback without changing anything`)
	fs.BoolVar(&o.wait, "wait", true, "wait for the rollouts to finish")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

func (o *rollbackOptions) run(ctx context.Context, streams cli.IO, revision int) error {
	dry, err := parseDryRun(o.dryRun)
	if err != nil {
		return err
	}
	if o.release.historyMax < 0 {
		return fmt.Errorf("--history-max must be 0 (no limit) or more")
	}
	rc, name, err := o.release.target(ctx, streams, &o.source, &o.kube)
	if err != nil {
		return err
	}
	_, err = rc.Rollback(ctx, name, revision, release.Options{
		HistoryMax: o.release.historyMaxOption(), Wait: o.wait, Timeout: o.timeout, DryRun: dry,
		Progress: progress(streams.ErrOut), Out: streams.Out,
	})
	return err
}
