package cluster

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/spf13/cobra"
)

// restartOptions are `berth restart`'s flags.
type restartOptions struct {
	target
	wait    bool
	timeout time.Duration
}

func newRestart(streams cli.IO) *cobra.Command {
	o := &restartOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "restart [SERVICE...]",
		Short: cli.ClusterShort("restart"),
		Long: `Restart sets the kubectl.kubernetes.io/restartedAt annotation on the pod templates of the
services' Deployments, StatefulSets and DaemonSets (as kubectl rollout restart does), then
waits for the rollouts like berth apply. Without SERVICE it restarts every one of them.`,
		Example: `  berth restart web worker -f compose.yaml
  berth restart --app shop -n shop`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), streams, args)
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	fs.BoolVar(&o.wait, "wait", true, "wait for the rollouts to finish")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

func (o *restartOptions) run(ctx context.Context, streams cli.IO, services []string) error {
	c, set, err := o.applySet(ctx, streams)
	if err != nil {
		return err
	}
	return apply.Restart(ctx, c, set, apply.RestartOptions{
		Services: services, Wait: o.wait, Timeout: o.timeout,
		Out: streams.Out, Progress: progress(streams.ErrOut),
	})
}
