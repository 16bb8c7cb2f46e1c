package release

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// ErrNotFound marks a command run against a release that does not exist.
var ErrNotFound = errors.New("release not found")

// Revision is one row of a release's history, as helm history shows it.
type Revision struct {
	Version     int
	Updated     time.Time
	Status      string
	Chart       string
	AppVersion  string
	Description string
}

// History returns the revisions of release name, oldest first.
func (c *Client) History(name string) ([]Revision, error) {
	rels, err := action.NewHistory(c.cfg).Run(name)
	if err != nil {
		return nil, c.notFound(name, err)
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
	out := make([]Revision, 0, len(rels))
	for _, r := range rels {
		rev := Revision{Version: r.Version}
		if r.Info != nil {
			rev.Updated, rev.Status, rev.Description = r.Info.LastDeployed.Time, r.Info.Status.String(), r.Info.Description
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			rev.Chart = r.Chart.Metadata.Name + "-" + r.Chart.Metadata.Version
			rev.AppVersion = r.Chart.Metadata.AppVersion
		}
		out = append(out, rev)
	}
	return out, nil
}

func (c *Client) notFound(name string, err error) error {
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return fmt.Errorf("%w: no release %s in namespace %s (berth apply --format helm installs it; -n names the namespace)", ErrNotFound, name, c.namespace)
	}
	return fmt.Errorf("release %s in %s: %w", name, c.namespace, err)
}

// Rollback makes a new revision of release name from revision (0: the one before the current
// one), as helm rollback does, then follows the rollouts like Deploy.
func (c *Client) Rollback(ctx context.Context, name string, revision int, o Options) (*release.Release, error) {
	if _, err := c.Last(name); err != nil {
		return nil, err
	}
	rb := action.NewRollback(c.cfg)
	rb.Version = revision
	rb.MaxHistory = o.historyMax()
	rb.Timeout = timeout(o)
	rb.DryRun = o.DryRun != apply.DryRunNone
	if err := rb.Run(name); err != nil {
		return nil, fmt.Errorf("rolling back release %s in %s: %w", name, c.namespace, err)
	}
	rel, err := c.Last(name)
	if err != nil {
		return nil, err
	}
	if rb.DryRun {
		fmt.Fprintf(o.out(), "release %s: would roll back (dry run)\n", name)
		return rel, nil
	}
	fmt.Fprintf(o.out(), "release %s: revision %d %s\n", name, rel.Version, strings.ToLower(rel.Info.Description))
	return rel, c.settle(ctx, rel, o)
}

// Last returns the newest revision of release name.
func (c *Client) Last(name string) (*release.Release, error) {
	rel, err := c.cfg.Releases.Last(name)
	if err != nil {
		return nil, c.notFound(name, err)
	}
	return rel, nil
}

// UninstallOptions configure Uninstall.
type UninstallOptions struct {
	// Timeout bounds the wait for the deleted objects to be gone.
	Timeout time.Duration
}

// Uninstall deletes release name's objects and its history. PersistentVolumeClaims stay (the
// post-renderer marked them keep; StatefulSets' claims are never part of a release), and so
// does the namespace. It returns what Helm kept, as Helm words it.
func (c *Client) Uninstall(name string, o UninstallOptions) (string, error) {
	if _, err := c.Last(name); err != nil {
		return "", err
	}
	un := action.NewUninstall(c.cfg)
	un.Wait = true
	un.Timeout = o.Timeout
	if un.Timeout <= 0 {
		un.Timeout = 2 * time.Minute
	}
	un.DeletionPropagation = "foreground"
	res, err := un.Run(name)
	if err != nil {
		return "", fmt.Errorf("uninstalling release %s in %s: %w", name, c.namespace, err)
	}
	if res == nil {
		return "", nil
	}
	return strings.TrimSpace(res.Info), nil
}

// List returns the releases in the Client's namespace (any status), by name.
func (c *Client) List() ([]*release.Release, error) {
	l := action.NewList(c.cfg)
	l.All = true
	l.SetStateMask()
	rels, err := l.Run()
	if err != nil {
		return nil, fmt.Errorf("listing releases in %s: %w", c.namespace, err)
	}
	return rels, nil
}

// Status returns the newest revision of release name and the live state of its workloads.
func (c *Client) Status(ctx context.Context, name string) (*release.Release, []apply.WorkloadStatus, error) {
	rel, err := c.Last(name)
	if err != nil {
		return nil, nil, err
	}
	objs, err := Objects(rel)
	if err != nil {
		return nil, nil, err
	}
	rows, err := apply.StatusOf(ctx, c.kube, objs)
	return rel, rows, err
}
