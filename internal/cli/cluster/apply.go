package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// applyOptions are `berth apply`'s flags.
type applyOptions struct {
	target
	dryRun       string
	force        bool
	prune        bool
	pruneVolumes bool
	wait         bool
	timeout      time.Duration
	parallel     int
	format       string
	release      releaseFlags
	suspend      bool
	build        bool
	image        buildFlags
	only         []string
}

func newApply(streams cli.IO) *cobra.Command {
	o := &applyOptions{target: newTarget(streams)}
	cmd := &cobra.Command{
		Use:   "apply [-f FILE]... | apply --from DIR",
		Short: cli.ClusterShort("apply"),
		Long: `Apply converts the application (same flags as berth convert), or reads a directory berth
convert wrote (--from DIR), and server-side applies it with field manager "berth" in waves:
namespaces and CRDs, service accounts and RBAC, config, secrets and volume claims, services,
workloads, then ingress, network policies and disruption budgets. Objects already up to date
are skipped; fields someone edited live are put back. The objects are tracked as a Kubernetes
ApplySet (a Secret berth-applyset-<app> in the namespace), so --prune can delete what the
application no longer produces: never PersistentVolumeClaims (unless --prune-volumes), never
namespaces, never objects berth did not apply. Then it waits for Deployments, StatefulSets,
DaemonSets and Jobs, and explains failures.

With --format helm, apply renders the chart berth convert --format helm writes (or reads the
chart in --from DIR) and installs it as a Helm release, or upgrades the release when it exists,
through the Helm SDK: history in Secrets in the application's namespace (--history-max
revisions), values from --values and --set merged as helm merges them, then the same rollout
wait. berth rollback, berth history, berth status and berth down work on the release; so do
helm list, helm history and helm rollback.

--suspend-cronjobs applies every CronJob with spec.suspend: true (a field berth then owns), so
no scheduled job runs during a switch-over. Applying again without the flag resumes them; a
CronJob someone suspended by hand (kubectl patch) stays suspended.

--build first builds the images of the services with a build section and pushes them (see
berth build: the same flags --builder, --platform, --tag), then applies with each of those
images pinned by digest (REGISTRY/<service>:<tag>@sha256:...), so what runs is what was built.
A failed build applies nothing.

--only SERVICE,... applies every object but runs only the workloads (Deployments, StatefulSets,
DaemonSets, Jobs, CronJobs) of the named services; --only none runs no workload. A switch-over
applies its data stores this way, restores their data (berth data), then applies everything.`,
		Example: `  berth apply -f compose.yaml --domain example.com
  berth apply --from k8s/ --prune
  berth apply --dry-run=server
  berth apply --format helm --set workloads.web.replicas=3
  berth apply --format helm --from chart/ --release shop-prod -n shop --values prod.yaml
  berth apply -f compose.yaml --suspend-cronjobs   # switch-over: no scheduled job runs
  berth apply -f compose.yaml                      # later: the CronJobs run again
  berth apply -f compose.yaml --build --registry ghcr.io/acme   # build, push, run by digest
  berth apply -f compose.yaml --only db,redis      # switch-over: the data tier first`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams, cmd.Flags())
		},
	}
	fs := cmd.Flags()
	o.target.bind(fs)
	fs.StringVar(&o.dryRun, "dry-run", "none", `"client": show what would change; "server": also have the server check every change`)
	fs.BoolVar(&o.force, "force-conflicts", false, "take over fields another field manager owns")
	fs.BoolVar(&o.prune, "prune", false, "delete objects of earlier applies that the application no longer produces")
	fs.BoolVar(&o.pruneVolumes, "prune-volumes", false, "with --prune, also delete PersistentVolumeClaims (data is lost)")
	fs.BoolVar(&o.wait, "wait", true, "wait for the rollouts to finish")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	fs.IntVar(&o.parallel, "parallel", 16, "concurrent requests within a wave")
	fs.StringVar(&o.format, "format", applyObjects, `"yaml": server-side apply the objects; "helm": install or upgrade the chart as a Helm release`)
	o.release.bindName(fs)
	o.release.bindRevisions(fs)
	o.release.bindValues(fs)
	fs.BoolVar(&o.suspend, "suspend-cronjobs", false, "apply CronJobs suspended (spec.suspend: true); apply without it to resume them")
	fs.BoolVar(&o.build, "build", false, "first build the images of the services with a build section and push them to --registry (as berth build --push), then apply with each pinned by digest")
	o.image.bind(fs)
	fs.StringSliceVar(&o.only, "only", nil, `run only the workloads of these services ("none": no workload); every other object is applied`)
	return cmd
}

func (o *applyOptions) run(ctx context.Context, streams cli.IO, fs *pflag.FlagSet) error {
	dry, err := parseDryRun(o.dryRun)
	if err != nil {
		return err
	}
	if err := o.buildImages(ctx, streams, fs, dry); err != nil {
		return err
	}
	switch o.format {
	case applyHelm:
		return o.runHelm(ctx, streams, fs, dry)
	case applyObjects:
	default:
		return fmt.Errorf("--format %q: want yaml or helm", o.format)
	}
	helm, _ := render.SpecFor(render.Helm)
	for _, f := range append(releaseOnlyFlags(), helm.Flags...) {
		if fs.Changed(f) {
			return errHelmOnly("--" + f)
		}
	}
	if len(o.only) > 0 && o.prune {
		return errors.New("--only applies part of the application: it cannot be combined with --prune, which would delete the rest")
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
	c.Warm() // discovery while the objects are read or converted
	objs, set, err := o.source.load(ctx, streams, ns)
	if err != nil {
		return err
	}
	if o.suspend {
		suspendNotice(streams, apply.SuspendCronJobs(objs))
	}
	if len(o.only) > 0 {
		var held []string
		objs, held = apply.OnlyWorkloads(objs, o.only)
		if len(held) > 0 {
			fmt.Fprintf(streams.ErrOut, "--only %s: not applied: %s\n", strings.Join(o.only, ","), strings.Join(held, ", "))
		}
	}
	_, err = apply.Apply(ctx, c, objs, apply.Options{
		Set: set, DryRun: dry, ForceConflicts: o.force, Prune: o.prune, PruneVolumes: o.pruneVolumes,
		Wait: o.wait, Timeout: o.timeout, Parallel: o.parallel,
		Out: streams.Out, Progress: progress(streams.ErrOut),
	})
	return err
}

// buildImages runs --build: it builds and pushes the images, then pins them by digest
// (--image SERVICE=REF@DIGEST) for the conversion that follows. Without --build, the build
// flags are refused.
func (o *applyOptions) buildImages(ctx context.Context, streams cli.IO, fs *pflag.FlagSet, dry apply.DryRun) error {
	if !o.build {
		for _, f := range []string{"platform", "builder", "builder-tls-dir"} {
			if fs.Changed(f) {
				return fmt.Errorf("--%s needs --build", f)
			}
		}
		return nil
	}
	in := &o.source.input
	switch {
	case o.source.from != "":
		return errors.New("--build converts the Compose project: it cannot apply --from a directory")
	case in.Options.Registry == "":
		return errors.New("--build needs --registry: the images are pushed as REGISTRY/<service>:<tag>")
	case dry != apply.DryRunNone:
		return errors.New("--build pushes images: it does not combine with --dry-run (berth build without --push checks that they build)")
	}
	if err := in.Validate(); err != nil {
		return err
	}
	app, err := in.Load(ctx)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	for _, im := range in.Options.Images {
		svc, _, _ := strings.Cut(im, "=")
		given[svc] = true
	}
	var services []string
	for _, t := range mustTargets(app) {
		if !given[t] {
			services = append(services, t)
		}
	}
	if len(services) == 0 {
		return nil
	}
	o.image.push = true
	opts, err := o.image.options(ctx, streams, app, in.Options.Registry, in.Options.Tag, services)
	if err != nil {
		return err
	}
	imgs, err := build.Build(ctx, app, opts)
	if err != nil {
		return err
	}
	if err := printImages(streams.ErrOut, app, imgs); err != nil {
		return err
	}
	in.Options.Tag = opts.Tag
	in.Options.Images = append(in.Options.Images, pinned(imgs)...)
	return nil
}

// mustTargets are the services with a build section.
func mustTargets(app *model.App) []string {
	var out []string
	for _, s := range app.Services {
		if s.Main().Build != nil {
			out = append(out, s.Name)
		}
	}
	return out
}

// runHelm deploys the application as a Helm release.
func (o *applyOptions) runHelm(ctx context.Context, streams cli.IO, fs *pflag.FlagSet, dry apply.DryRun) error {
	if len(o.only) > 0 {
		return errors.New("--only does not apply to --format helm (a release's objects are what its chart renders): apply with --format yaml for the switch-over")
	}
	if o.suspend {
		return errors.New("--suspend-cronjobs does not apply to --format helm (a release's objects are what its chart renders): apply with --format yaml for the switch-over")
	}
	for _, f := range []string{"prune", "prune-volumes", "force-conflicts", "app"} {
		if fs.Changed(f) {
			return fmt.Errorf("--%s does not apply to --format helm (a release deletes what the chart no longer renders; --release names it)", f)
		}
	}
	if o.release.historyMax < 0 {
		return errors.New("--history-max must be 0 (no limit) or more")
	}
	vals, err := o.release.mergedValues()
	if err != nil {
		return err
	}
	cfg, defaultNS, err := o.kube.config(streams.Environ)
	if err != nil {
		return err
	}
	chrt, name, ns, err := o.release.chart(ctx, streams, &o.source, vals, defaultNS)
	if err != nil {
		return err
	}
	c, err := release.New(cfg, ns)
	if err != nil {
		return err
	}
	rel, err := c.Deploy(ctx, name, chrt, vals, release.Options{
		HistoryMax: o.release.historyMaxOption(), Wait: o.wait, Timeout: o.timeout, Atomic: o.release.atomic,
		TakeOwnership: o.release.takeOwnership,
		DryRun:        dry, Progress: progress(streams.ErrOut), Out: streams.Out,
	})
	if err == nil && rel != nil && rel.Info != nil && rel.Info.Notes != "" && dry == apply.DryRunNone {
		fmt.Fprintf(streams.Out, "\n%s", rel.Info.Notes)
	}
	return err

}

// suspendNotice says which CronJobs --suspend-cronjobs suspends and how to resume them.
func suspendNotice(streams cli.IO, names []string) {
	if len(names) == 0 {
		fmt.Fprintln(streams.ErrOut, "--suspend-cronjobs: the application has no CronJobs")
		return
	}
	fmt.Fprintf(streams.ErrOut, "CronJobs applied suspended: %s (apply without --suspend-cronjobs to resume them)\n", strings.Join(names, ", "))
}
