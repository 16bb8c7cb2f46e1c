package cluster

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/spf13/cobra"
)

// downOptions are `berth down`'s flags.
type downOptions struct {
	target
	release releaseFlags
	volumes bool
	timeout time.Duration
}

func newDown(streams cli.IO) *cobra.Command {
	o := &downOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "down [-f FILE]... | down --app NAME [-n NS] | down --release NAME [-n NS]",
		Short: cli.ClusterShort("down"),
		Long: `Down deletes the objects the application's ApplySet tracks, in reverse wave order with
foreground propagation, and waits until they are gone. PersistentVolumeClaims are kept unless
--volumes (like docker compose down -v); the namespace is deleted only when nothing is left in
it that berth did not create.

An application applied with --format helm is uninstalled as a Helm release (found by
--release, default the application's name): its objects and history are deleted, its
PersistentVolumeClaims (marked helm.sh/resource-policy: keep) and StatefulSets' claims stay
unless --volumes, and its namespace stays.`,
		Example: `  berth down -f compose.yaml
  berth down --app shop -n shop --volumes
  berth down --release shop -n shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	fs.BoolVarP(&o.volumes, "volumes", "v", false, "also delete PersistentVolumeClaims (data is lost)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for deleted objects to be gone")
	o.release.bindName(fs)
	return cmd
}

func (o *downOptions) run(ctx context.Context, streams cli.IO) error {
	return objectsOrRelease(ctx, streams, &o.target, &o.release, func(c *apply.Client, set apply.Set) error {
		_, err := apply.Down(ctx, c, set, apply.DownOptions{Volumes: o.volumes, Timeout: o.timeout, Out: streams.Out})
		return err
	}, func(rc *release.Client, name string) error {
		return o.uninstall(ctx, streams, rc, name)
	})
}

// uninstall uninstalls the Helm release name.
func (o *downOptions) uninstall(ctx context.Context, streams cli.IO, rc *release.Client, name string) error {
	return rc.Uninstall(ctx, name, release.UninstallOptions{Timeout: o.timeout, Volumes: o.volumes, Out: streams.Out})
}
