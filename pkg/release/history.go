package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
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
	rels, err := history(action.NewHistory(c.cfg).Run(name))
	if err != nil {
		return nil, c.notFound(name, err)
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
	out := make([]Revision, 0, len(rels))
	for _, r := range rels {
		rev := Revision{Version: r.Version}
		if r.Info != nil {
			rev.Updated, rev.Status, rev.Description = r.Info.LastDeployed, r.Info.Status.String(), r.Info.Description
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
	rb.WaitStrategy = kube.HookOnlyStrategy
	rb.DryRunStrategy = dryRun(o.DryRun)
	if err := rb.Run(name); err != nil {
		return nil, fmt.Errorf("rolling back release %s in %s: %w", name, c.namespace, err)
	}
	rel, err := c.Last(name)
	if err != nil {
		return nil, err
	}
	if rb.DryRunStrategy != action.DryRunNone {
		fmt.Fprintf(o.out(), "release %s: would roll back (dry run)\n", name)
		return rel, nil
	}
	fmt.Fprintf(o.out(), "release %s: revision %d %s\n", name, rel.Version, strings.ToLower(rel.Info.Description))
	return rel, c.settle(ctx, rel, o)
}

// Last returns the newest revision of release name.
func (c *Client) Last(name string) (*release.Release, error) {
	rel, err := v1(c.cfg.Releases.Last(name))
	if err != nil {
		return nil, c.notFound(name, err)
	}
	return rel, nil
}

// UninstallOptions configure Uninstall.
type UninstallOptions struct {
	// Timeout bounds the wait for the deleted objects to be gone (default 2 minutes).
	Timeout time.Duration
	// Volumes also deletes the release's PersistentVolumeClaims and its StatefulSets' claims
	// (data is lost), like docker compose down --volumes.
	Volumes bool
	// Out receives what was deleted and kept.
	Out io.Writer
}

// Uninstall deletes release name's objects and its history, waiting until they are gone.
// PersistentVolumeClaims stay unless Volumes (the post-renderer marked the release's claims
// keep; StatefulSets' claims are never part of a release), and so does the namespace.
func (c *Client) Uninstall(ctx context.Context, name string, o UninstallOptions) error {
	rel, err := c.Last(name)
	if err != nil {
		return err
	}
	objs, err := Objects(rel)
	if err != nil {
		return err
	}
	claims, err := c.claims(ctx, objs)
	if err != nil {
		return err
	}
	un := action.NewUninstall(c.cfg)
	un.WaitStrategy, un.Timeout, un.DeletionPropagation = kube.LegacyStrategy, o.Timeout, "foreground"
	if un.Timeout <= 0 {
		un.Timeout = 2 * time.Minute
	}
	if _, err := un.Run(name); err != nil {
		return fmt.Errorf("uninstalling release %s in %s: %w", name, c.namespace, err)
	}
	out := Options{Out: o.Out}.out()
	fmt.Fprintf(out, "release %s: uninstalled from namespace %s (revision %d was the last)\n", name, c.namespace, rel.Version)
	for _, cl := range claims {
		if !o.Volumes {
			fmt.Fprintf(out, "kept PersistentVolumeClaim %s/%s (--volumes deletes it)\n", cl.Namespace, cl.Name)
			continue
		}
		err := c.kube.Typed.CoreV1().PersistentVolumeClaims(cl.Namespace).Delete(ctx, cl.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting PersistentVolumeClaim %s/%s: %w", cl.Namespace, cl.Name, err)
		}
		fmt.Fprintf(out, "deleted PersistentVolumeClaim %s/%s\n", cl.Namespace, cl.Name)
	}
	fmt.Fprintf(out, "kept Namespace %s\n", c.namespace)
	return nil
}

// claims returns the PersistentVolumeClaims of objs and those the StatefulSets among objs made
// from their volume claim templates (<template>-<statefulset>-<ordinal>), sorted.
func (c *Client) claims(ctx context.Context, objs []*unstructured.Unstructured) ([]types.NamespacedName, error) {
	var out []types.NamespacedName
	prefixes := map[string][]string{}
	for _, u := range objs {
		switch {
		case u.GetAPIVersion() == "v1" && u.GetKind() == "PersistentVolumeClaim":
			out = append(out, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()})
		case u.GetKind() == "StatefulSet":
			tmpls, _, _ := unstructured.NestedSlice(u.Object, "spec", "volumeClaimTemplates")
			for _, t := range tmpls {
				tn, _, _ := unstructured.NestedString(t.(map[string]any), "metadata", "name")
				prefixes[u.GetNamespace()] = append(prefixes[u.GetNamespace()], tn+"-"+u.GetName()+"-")
			}
		}
	}
	for ns, ps := range prefixes {
		list, err := c.kube.Typed.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing PersistentVolumeClaims in %s: %w", ns, err)
		}
		for _, pvc := range list.Items {
			for _, p := range ps {
				if ord, ok := strings.CutPrefix(pvc.Name, p); ok && isOrdinal(ord) {
					out = append(out, types.NamespacedName{Namespace: ns, Name: pvc.Name})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

func isOrdinal(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// List returns the releases in the Client's namespace (any status), by name.
func (c *Client) List() ([]*release.Release, error) {
	l := action.NewList(c.cfg)
	l.All = true
	l.SetStateMask()
	rels, err := history(l.Run())
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

// history unwraps the releases the SDK returns as Releasers (see v1).
func history(rs []ri.Releaser, err error) ([]*release.Release, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*release.Release, 0, len(rs))
	for _, r := range rs {
		rel, err := v1(r, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}
