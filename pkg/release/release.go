// Package release installs, upgrades, rolls back and uninstalls the chart berth renders as a
// Helm release, through the Helm SDK (helm.sh/helm/v4/pkg/action) with the release history in
// Secrets, as the helm CLI keeps it: `helm list`, `helm history` and `helm rollback` see the
// same releases. Rollouts are followed with berth's own wait (package apply), so a release
// shows the same progress and failure explanations as berth apply.
package release

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
)

// DefaultHistoryMax is the number of revisions kept per release unless told otherwise: enough
// to roll back far (helm's own default of 10 ran out for the teams berth migrates), bounded so
// release Secrets do not pile up.
const DefaultHistoryMax = 100

// Driver is the Helm storage driver berth uses: release history in Secrets.
const Driver = "secret"

// Client works on the Helm releases of one namespace.
type Client struct {
	cfg       *action.Configuration
	kube      *apply.Client
	namespace string
}

// New returns a Client for the releases stored in namespace.
func New(cfg *rest.Config, namespace string) (*Client, error) {
	g, err := Getter(cfg, namespace)
	if err != nil {
		return nil, err
	}
	ac := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	if err := ac.Init(g, namespace, Driver); err != nil {
		return nil, fmt.Errorf("helm: %w", err)
	}
	kc, err := apply.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: ac, kube: kc, namespace: namespace}, nil
}

// Options configure Deploy and Rollback.
type Options struct {
	// HistoryMax bounds the revisions kept (0: DefaultHistoryMax; negative: no bound).
	HistoryMax int
	// Wait follows the rollouts of the release's workloads for up to Timeout.
	Wait    bool
	Timeout time.Duration
	// Atomic undoes a release whose rollout fails: an upgrade is rolled back to the revision
	// before it, a first install is uninstalled.
	Atomic bool
	// TakeOwnership adopts objects that exist but belong to no release (or another one), as
	// helm --take-ownership does; without it such objects fail the deploy.
	TakeOwnership bool
	// DryRun renders and checks against the cluster ("server") or only renders ("client"),
	// changing nothing.
	DryRun apply.DryRun
	// Progress shows the rollouts; Out receives the summary lines.
	Progress apply.Progress
	Out      io.Writer
}

func (o Options) historyMax() int {
	switch {
	case o.HistoryMax == 0:
		return DefaultHistoryMax
	case o.HistoryMax < 0:
		return 0 // the SDK's "no limit"
	}
	return o.HistoryMax
}

func (o Options) out() io.Writer {
	if o.Out == nil {
		return io.Discard
	}
	return o.Out
}

// Deploy installs chrt as release name, or upgrades the release when it exists (helm upgrade
// --install). vals are the user's values, merged over the chart's defaults; unlike helm
// upgrade, an upgrade does not reuse the values of earlier revisions: each deploy states the
// whole configuration. The chart's Namespace objects are applied by berth before the release
// (Helm stores the release there, so it must exist first) and are not part of it.
func (c *Client) Deploy(ctx context.Context, name string, chrt *chart.Chart, vals map[string]any, o Options) (*release.Release, error) {
	objs, err := Render(chrt, vals, name, c.namespace)
	if err != nil {
		return nil, err
	}
	installed, err := c.exists(name)
	if err != nil {
		return nil, err
	}
	if o.DryRun == apply.DryRunNone {
		if err := c.ensureNamespaces(ctx, objs); err != nil {
			return nil, err
		}
	}
	if installed && o.DryRun == apply.DryRunNone {
		last, same, err := c.unchanged(ctx, name, chrt, vals, o)
		if err != nil {
			return nil, fmt.Errorf("release %s in %s: %w", name, c.namespace, err)
		}
		if same {
			fmt.Fprintf(o.out(), "release %s: revision %d unchanged in namespace %s\n", name, last.Version, c.namespace)
			return last, c.settle(ctx, last, o)
		}
	}
	var rel *release.Release
	if installed {
		rel, err = c.upgrade(ctx, name, chrt, vals, o)
	} else {
		rel, err = c.install(ctx, name, chrt, vals, o)
	}
	if err != nil {
		err = fmt.Errorf("release %s in %s: %w", name, c.namespace, err)
		if strings.Contains(err.Error(), "cannot be imported into the current release") {
			err = fmt.Errorf("%w\nnext: the object exists outside the release (applied without --format helm?): adopt it with --take-ownership, or delete it first (berth down)", err)
		}
		return rel, err
	}
	if o.DryRun != apply.DryRunNone {
		fmt.Fprintf(o.out(), "release %s: revision %d would be %s (dry run)\n", name, rel.Version, verb(installed))
		return rel, nil
	}
	fmt.Fprintf(o.out(), "release %s: revision %d %s in namespace %s\n", name, rel.Version, verb(installed), c.namespace)
	return rel, c.settle(ctx, rel, o)
}

// unchanged reports whether upgrading to chrt with vals would store the revision that is
// deployed now (same manifest, values and chart version; the upgrade is rendered as a server
// dry run) while the live objects still match it. Then Deploy makes no new revision, as
// berth apply sends nothing for objects that are up to date, so the history (and `rollback`
// to the previous revision) records changes only.
func (c *Client) unchanged(ctx context.Context, name string, chrt *chart.Chart, vals map[string]any, o Options) (*release.Release, bool, error) {
	last, err := v1(c.cfg.Releases.Last(name))
	if err != nil || last.Info == nil || last.Info.Status != rcommon.StatusDeployed || last.Chart == nil || last.Chart.Metadata == nil {
		return last, false, nil
	}
	o.DryRun = apply.DryRunServer
	next, err := c.upgrade(ctx, name, chrt, vals, o)
	if err != nil {
		return nil, false, err
	}
	a, err := valuesJSON(last.Config)
	if err != nil {
		return nil, false, err
	}
	b, err := valuesJSON(next.Config)
	if err != nil {
		return nil, false, err
	}
	lm, nm := last.Chart.Metadata, next.Chart.Metadata
	if next.Manifest != last.Manifest || !bytes.Equal(a, b) || lm.Name != nm.Name || lm.Version != nm.Version || lm.AppVersion != nm.AppVersion {
		return last, false, nil
	}
	// Same revision; but an upgrade would also put back what someone changed live (Helm's
	// three-way merge), so only skip it when the live objects hold the manifest's values.
	objs, err := Objects(last)
	if err != nil {
		return nil, false, err
	}
	for _, u := range objs {
		helmMetadata(u, last)
	}
	drifted, err := apply.Diff(ctx, c.kube, objs, apply.DiffOptions{ForceConflicts: true})
	if err != nil {
		return nil, false, fmt.Errorf("comparing the live objects with revision %d: %w", last.Version, err)
	}
	return last, !drifted, nil
}

// helmMetadata adds what Helm puts on every object it applies (and not into the manifest): the
// managed-by label and the release annotations.
func helmMetadata(u *unstructured.Unstructured, rel *release.Release) {
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["app.kubernetes.io/managed-by"] = "Helm"
	u.SetLabels(labels)
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann["meta.helm.sh/release-name"], ann["meta.helm.sh/release-namespace"] = rel.Name, rel.Namespace
	u.SetAnnotations(ann)
}

// valuesJSON is a canonical form of user values (no values and empty values are the same).
func valuesJSON(v map[string]any) ([]byte, error) {
	if len(v) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(v)
}

func verb(upgrade bool) string {
	if upgrade {
		return "upgraded"
	}
	return "installed"
}

// exists reports whether release name has any revision.
func (c *Client) exists(name string) (bool, error) {
	h := action.NewHistory(c.cfg)
	h.Max = 1
	_, err := h.Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the history of release %s in %s: %w", name, c.namespace, err)
	}
	return true, nil
}

func (c *Client) install(ctx context.Context, name string, chrt *chart.Chart, vals map[string]any, o Options) (*release.Release, error) {
	in := action.NewInstall(c.cfg)
	in.ReleaseName, in.Namespace = name, c.namespace
	in.Timeout = timeout(o)
	in.PostRenderer = postRenderer{}
	in.Description = "Install complete (berth)"
	in.TakeOwnership = o.TakeOwnership
	// Helm 3's client-side apply (Helm 4 defaults to server-side apply): a release berth made
	// stays upgradable by Helm 3, and its objects keep the field ownership earlier berth
	// releases gave them. Rollouts are followed by settle, not by Helm: hooks only.
	in.ServerSideApply = false
	in.WaitStrategy = kube.HookOnlyStrategy
	in.DryRunStrategy = dryRun(o.DryRun)
	return v1(in.RunWithContext(ctx, chrt, vals))
}

func (c *Client) upgrade(ctx context.Context, name string, chrt *chart.Chart, vals map[string]any, o Options) (*release.Release, error) {
	up := action.NewUpgrade(c.cfg)
	up.Namespace = c.namespace
	up.MaxHistory = o.historyMax()
	up.Timeout = timeout(o)
	up.ResetValues = true
	up.PostRenderer = postRenderer{}
	up.Description = "Upgrade complete (berth)"
	up.TakeOwnership = o.TakeOwnership
	up.ServerSideApply = "auto" // as the revision before it was applied (client-side, see install)
	up.WaitStrategy = kube.HookOnlyStrategy
	up.DryRunStrategy = dryRun(o.DryRun)
	return v1(up.RunWithContext(ctx, name, chrt, vals))
}

// dryRun is the SDK's dry-run strategy for berth's.
func dryRun(d apply.DryRun) action.DryRunStrategy {
	switch d {
	case apply.DryRunServer:
		return action.DryRunServer
	case apply.DryRunClient:
		return action.DryRunClient
	}
	return action.DryRunNone
}

// v1 unwraps a release the SDK returns as a Releaser: berth's releases are Helm's v1 releases
// (the kind Helm 3 reads and writes).
func v1(r ri.Releaser, err error) (*release.Release, error) {
	if err != nil {
		if rel, ok := r.(*release.Release); ok {
			return rel, err
		}
		return nil, err
	}
	switch rel := r.(type) {
	case *release.Release:
		return rel, nil
	case release.Release:
		return &rel, nil
	}
	return nil, fmt.Errorf("unsupported release type %T", r)
}

func timeout(o Options) time.Duration {
	if o.Timeout <= 0 {
		return 5 * time.Minute
	}
	return o.Timeout
}

// settle waits for rel's rollouts when asked. A rollout that does not finish marks the revision
// failed (as helm --wait does) and, with Atomic, undoes it.
func (c *Client) settle(ctx context.Context, rel *release.Release, o Options) error {
	if !o.Wait && !o.Atomic {
		return nil
	}
	objs, err := Objects(rel)
	if err != nil {
		return err
	}
	werr := c.kube.Wait(ctx, objs, apply.Set{}, apply.WaitOptions{Timeout: timeout(o), Progress: o.Progress, Out: o.Out})
	if werr == nil {
		return nil
	}
	rel.SetStatus(rcommon.StatusFailed, fmt.Sprintf("Release %q failed: rollout not finished", rel.Name))
	if err := c.cfg.Releases.Update(rel); err != nil {
		return errors.Join(werr, fmt.Errorf("marking revision %d failed: %w", rel.Version, err))
	}
	if !o.Atomic {
		return werr
	}
	if rel.Version == 1 {
		un := action.NewUninstall(c.cfg)
		un.WaitStrategy, un.Timeout = kube.LegacyStrategy, 2*time.Minute // how long the deleted objects may take to go, not --timeout
		if _, err := un.Run(rel.Name); err != nil {
			return errors.Join(werr, fmt.Errorf("--atomic: uninstalling release %s: %w", rel.Name, err))
		}
		return fmt.Errorf("%w\n--atomic: release %s was uninstalled", werr, rel.Name)
	}
	good, err := c.lastGood(rel)
	if err != nil {
		return errors.Join(werr, fmt.Errorf("--atomic: %w", err))
	}
	rb := action.NewRollback(c.cfg)
	rb.Version, rb.MaxHistory, rb.Timeout = good, o.historyMax(), timeout(o)
	rb.WaitStrategy = kube.HookOnlyStrategy
	if err := rb.Run(rel.Name); err != nil {
		return errors.Join(werr, fmt.Errorf("--atomic: rolling back release %s: %w", rel.Name, err))
	}
	return fmt.Errorf("%w\n--atomic: release %s was rolled back to revision %d", werr, rel.Name, good)
}

// lastGood is the newest revision before rel that was deployed successfully, the one an
// atomic upgrade returns to. helm --atomic takes the newest deployed or superseded revision,
// but an upgrade marks a failed revision superseded too; its description still says it failed
// (Helm's and settle's failure descriptions read `... "name" failed: ...`), so those are
// skipped.
func (c *Client) lastGood(rel *release.Release) (int, error) {
	hist, err := history(c.cfg.Releases.History(rel.Name))
	if err != nil {
		return 0, fmt.Errorf("reading the history of release %s: %w", rel.Name, err)
	}
	good := 0
	for _, r := range hist {
		ok := r.Info != nil && (r.Info.Status == rcommon.StatusDeployed || r.Info.Status == rcommon.StatusSuperseded) &&
			!strings.Contains(r.Info.Description, " failed: ")
		if ok && r.Version < rel.Version && r.Version > good {
			good = r.Version
		}
	}
	if good == 0 {
		return 0, fmt.Errorf("release %s has no earlier successful revision to roll back to", rel.Name)
	}
	return good, nil
}

// Objects returns the objects of rel's manifest.
func Objects(rel *release.Release) ([]*unstructured.Unstructured, error) {
	objs, err := apply.Parse("release "+rel.Name+" manifest", []byte(rel.Manifest))
	if err != nil {
		return nil, err
	}
	for _, u := range objs {
		if u.GetNamespace() == "" {
			u.SetNamespace(rel.Namespace)
		}
	}
	return objs, nil
}
