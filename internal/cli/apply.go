package cli

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"github.com/spf13/cobra"
)

// applyOptions are `berth apply`'s flags.
type applyOptions struct {
	source       appSource
	kube         kubeFlags
	dryRun       string
	force        bool
	prune        bool
	pruneVolumes bool
	wait         bool
	timeout      time.Duration
	parallel     int
}

func newApply(streams IO) *cobra.Command {
	o := &applyOptions{source: appSource{input: ConvertFlags{Environ: streams.Environ}}}
	cmd := &cobra.Command{
		Use:   "apply [-f FILE]... | apply --from DIR",
		Short: "Convert and server-side apply an application, then wait for its rollouts",
		Long: `Apply converts the application (same flags as berth convert), or reads a directory berth
convert wrote (--from DIR), and server-side applies it with field manager "berth" in waves:
namespaces and CRDs, service accounts and RBAC, config, secrets and volume claims, services,
workloads, then ingress, network policies and disruption budgets. Objects already up to date
are skipped; fields someone edited live are put back. The objects are tracked as a Kubernetes
ApplySet (a Secret berth-applyset-<app> in the namespace), so --prune can delete what the
application no longer produces: never PersistentVolumeClaims (unless --prune-volumes), never
namespaces, never objects berth did not apply. Then it waits for Deployments, StatefulSets,
DaemonSets and Jobs, and explains failures.`,
		Example: `  berth apply -f compose.yaml --domain example.com
  berth apply --from k8s/ --prune
  berth apply --dry-run=server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	fs := cmd.Flags()
	o.source.bind(fs)
	o.kube.bind(fs)
	fs.StringVar(&o.dryRun, "dry-run", "none", `"client": show what would change; "server": also have the server check every change`)
	fs.BoolVar(&o.force, "force-conflicts", false, "take over fields another field manager owns")
	fs.BoolVar(&o.prune, "prune", false, "delete objects of earlier applies that the application no longer produces")
	fs.BoolVar(&o.pruneVolumes, "prune-volumes", false, "with --prune, also delete PersistentVolumeClaims (data is lost)")
	fs.BoolVar(&o.wait, "wait", true, "wait for the rollouts to finish")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	fs.IntVar(&o.parallel, "parallel", 16, "concurrent requests within a wave")
	return cmd
}

func (o *applyOptions) run(ctx context.Context, streams IO) error {
	dry, err := parseDryRun(o.dryRun)
	if err != nil {
		return err
	}
	if o.pruneVolumes && !o.prune {
		return errors.New("--prune-volumes needs --prune")
	}
	if o.parallel < 1 {
		return errors.New("--parallel must be at least 1")
	}
	c, ns, err := o.kube.client(streams.Environ)
	if err != nil {
		return err
	}
	objs, set, err := o.source.load(ctx, streams, ns)
	if err != nil {
		return err
	}
	_, err = apply.Apply(ctx, c, objs, apply.Options{
		Set: set, DryRun: dry, ForceConflicts: o.force, Prune: o.prune, PruneVolumes: o.pruneVolumes,
		Wait: o.wait, Timeout: o.timeout, Parallel: o.parallel,
		Out: streams.Out, Progress: progress(streams.ErrOut),
	})
	return err
}
