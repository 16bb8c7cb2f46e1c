package release

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/berth-dev/berth/pkg/apply"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// Diff prints what deploying chrt with vals as release name would change: for each object of
// the upgraded manifest, the unified diff between the live object and what applying it would
// make of it (berth's server-side dry-run diff, Secret values masked), then the objects the
// upgrade would delete because the chart no longer renders them. It reports whether anything
// differs. A release that does not exist yet differs entirely: its objects are listed.
func (c *Client) Diff(ctx context.Context, name string, chrt *chart.Chart, vals map[string]any, out io.Writer) (bool, error) {
	installed, err := c.exists(name)
	if err != nil {
		return false, err
	}
	if !installed {
		objs, err := Render(chrt, vals, name, c.namespace)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(out, "release %s is not installed in %s: apply --format helm would install %d objects\n", name, c.namespace, len(objs))
		return true, nil
	}
	last, err := c.Last(name)
	if err != nil {
		return false, err
	}
	next, err := c.upgrade(ctx, name, chrt, vals, Options{DryRun: apply.DryRunServer})
	if err != nil {
		return false, fmt.Errorf("release %s in %s: %w", name, c.namespace, err)
	}
	objs, err := Objects(next)
	if err != nil {
		return false, err
	}
	kept := map[string]bool{}
	for _, u := range objs {
		helmMetadata(u, next)
		kept[key(u.GetKind(), u.GetNamespace(), u.GetName())] = true
	}
	differs, err := apply.Diff(ctx, c.kube, objs, apply.DiffOptions{ForceConflicts: true, Out: out})
	if err != nil {
		return differs, err
	}
	old, err := Objects(last)
	if err != nil {
		return differs, err
	}
	var gone []string
	for _, u := range old {
		if k := key(u.GetKind(), u.GetNamespace(), u.GetName()); !kept[k] {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, g := range gone {
		fmt.Fprintf(out, "deleted by the upgrade: %s\n", g)
	}
	return differs || len(gone) > 0, nil
}

func key(kind, ns, name string) string {
	if ns == "" {
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}
