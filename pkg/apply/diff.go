package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// DiffOptions configure Diff.
type DiffOptions struct {
	Set            Set
	ForceConflicts bool
	// Prune also shows the members apply --prune would delete (PVCs only with PruneVolumes).
	Prune        bool
	PruneVolumes bool
	Parallel     int
	// Out receives the unified diffs.
	Out io.Writer
}

// Diff prints, per object, a unified diff between the live object and what a server-side
// apply would make of it (a dry run on the server), and reports whether anything differs.
// Server-owned metadata and status are left out, and Secret values are masked. With the zero
// Set it compares objs with the live objects of the same names, whoever applied them.
func Diff(ctx context.Context, c *Client, objs []*unstructured.Unstructured, o DiffOptions) (bool, error) {
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	items, _, st, err := c.state(ctx, objs, o.Set)
	if err != nil {
		return false, err
	}
	diffs := make([]string, len(items))
	errs := make([]error, len(items))
	forEach(len(items), o.Parallel, func(i int) {
		it := items[i]
		it.live = st.byKey[it.key()]
		if it.live != nil && upToDate(it.u, it.live) {
			return // a no-op apply: nothing to show, no request needed
		}
		diffs[i], errs[i] = c.diffOne(ctx, it, o)
	})
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	if o.Prune {
		pr, err := c.prune(ctx, items, st, Options{DryRun: DryRunClient, PruneVolumes: o.PruneVolumes})
		if err != nil {
			return false, err
		}
		for _, ch := range pr.changes {
			if ch.Action == Pruned {
				diffs = append(diffs, deletionDiff(st, ch.Ref))
			}
		}
	}
	differs := false
	for _, d := range diffs {
		if d != "" {
			differs = true
			if _, err := io.WriteString(o.Out, d); err != nil {
				return differs, err
			}
		}
	}
	return differs, nil
}

// diffOne dry-runs the apply of it and diffs the answer against the live object.
func (c *Client) diffOne(ctx context.Context, it *item, o DiffOptions) (string, error) {
	if it.m == nil { // a custom resource whose CRD this apply would create
		return unifiedDiff(diffName(it.u), nil, it.u)
	}
	live := it.live
	if live == nil { // maybe an object outside the set, which apply would adopt
		got, err := c.get(ctx, it.m, it.u.GetNamespace(), it.u.GetName())
		if err != nil && !apierrors.IsNotFound(err) {
			return "", fmt.Errorf("%s: %w", ref(it.u), err)
		}
		if err == nil {
			live = got
		}
	}
	ao := metav1.ApplyOptions{FieldManager: FieldManager, Force: o.ForceConflicts, DryRun: []string{metav1.DryRunAll}}
	merged, err := c.send(ctx, it, ao)
	if cs := conflictsOf(err); !o.ForceConflicts && len(cs) > 0 && allImperative(cs) {
		ao.Force = true
		merged, err = c.send(ctx, it, ao)
	}
	switch {
	case err != nil && apierrors.IsNotFound(err) && live == nil:
		merged = it.u // its namespace does not exist yet: apply creates both
	case err != nil:
		return "", applyError(it.u, err)
	}
	return unifiedDiff(diffName(it.u), live, merged)
}

// diffName is kubectl diff's file name for an object: group.version.Kind.namespace.name.
func diffName(u *unstructured.Unstructured) string {
	gv := strings.ReplaceAll(u.GetAPIVersion(), "/", ".")
	parts := []string{gv, u.GetKind()}
	if ns := u.GetNamespace(); ns != "" {
		parts = append(parts, ns)
	}
	return strings.Join(append(parts, u.GetName()), ".")
}

func unifiedDiff(name string, live, merged *unstructured.Unstructured) (string, error) {
	live, merged = maskSecrets(live, merged)
	a, err := diffText(live)
	if err != nil {
		return "", err
	}
	b, err := diffText(merged)
	if err != nil {
		return "", err
	}
	if a == b {
		return "", nil
	}
	d := udiff.Unified("live/"+name, "merged/"+name, a, b)
	return fmt.Sprintf("diff -u -N live/%s merged/%s\n%s", name, name, d), nil
}

// diffText renders an object as YAML without the fields the server owns.
func diffText(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	c := u.DeepCopy()
	delete(c.Object, "status")
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	b, err := yaml.Marshal(c.Object)
	return string(b), err
}

// maskSecrets replaces Secret values with "***", marking changed ones, as kubectl diff does:
// secret values never reach the terminal or a CI log.
func maskSecrets(live, merged *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured) {
	isSecret := func(u *unstructured.Unstructured) bool {
		return u != nil && u.GetKind() == "Secret" && u.GroupVersionKind().Group == ""
	}
	if !isSecret(live) && !isSecret(merged) {
		return live, merged
	}
	if live != nil {
		live = live.DeepCopy()
	}
	if merged != nil {
		merged = merged.DeepCopy()
	}
	for _, field := range []string{"data", "stringData"} {
		var a, b map[string]any
		if live != nil {
			a, _, _ = unstructured.NestedMap(live.Object, field)
		}
		if merged != nil {
			b, _, _ = unstructured.NestedMap(merged.Object, field)
		}
		for k, av := range a {
			bv, ok := b[k]
			switch {
			case ok && av == bv:
				a[k], b[k] = "***", "***"
			case ok:
				a[k], b[k] = "*** (before)", "*** (after)"
			default:
				a[k] = "***"
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				b[k] = "***"
			}
		}
		if a != nil {
			_ = unstructured.SetNestedMap(live.Object, a, field)
		}
		if b != nil {
			_ = unstructured.SetNestedMap(merged.Object, b, field)
		}
	}
	return live, merged
}

// deletionDiff shows a member prune would delete.
func deletionDiff(st *members, r string) string {
	for _, k := range st.order {
		if u := st.byKey[k]; ref(u) == r {
			d, _ := unifiedDiff(diffName(u), u, nil)
			return d
		}
	}
	return ""
}
