package cli

import (
	"context"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"github.com/spf13/cobra"
)

// downOptions are `berth down`'s flags.
type downOptions struct {
	source  appSource
	kube    kubeFlags
	volumes bool
	timeout time.Duration
}

func newDown(streams IO) *cobra.Command {
	o := &downOptions{source: appSource{input: ConvertFlags{Environ: streams.Environ}}}
	cmd := &cobra.Command{
		Use:   "down [-f FILE]... | down --app NAME [-n NS]",
		Short: "Delete what berth apply created; keep volumes unless --volumes",
		Long: `Down deletes the objects the application's ApplySet tracks, in reverse wave order with
foreground propagation, and waits until they are gone. PersistentVolumeClaims are kept unless
--volumes (like docker compose down -v); the namespace is deleted only when nothing is left in
it that berth did not create.`,
		Example: `  berth down -f compose.yaml
  berth down --app shop -n shop --volumes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	fs := cmd.Flags()
	o.source.bind(fs)
	o.kube.bind(fs)
	fs.BoolVarP(&o.volumes, "volumes", "v", false, "also delete PersistentVolumeClaims (data is lost)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for deleted objects to be gone")
	return cmd
}

func (o *downOptions) run(ctx context.Context, streams IO) error {
	c, ns, err := o.kube.client(streams.Environ)
	if err != nil {
		return err
	}
	set, _, err := o.source.identify(ctx, streams, ns)
	if err != nil {
		return err
	}
	_, err = apply.Down(ctx, c, set, apply.DownOptions{Volumes: o.volumes, Timeout: o.timeout, Out: streams.Out})
	return err
}
