package apply

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// victim is a live member to delete.
type victim struct {
	u *unstructured.Unstructured
	m *meta.RESTMapping
}

// prune deletes the set's members that are no longer desired, in reverse wave order. Only
// objects labelled as members of this set are candidates; PersistentVolumeClaims are kept
// unless PruneVolumes, Namespaces are always kept (deleting one deletes everything in it).
func (c *Client) prune(ctx context.Context, items []*item, st *members, opts Options) ([]Change, error) {
	want := map[string]bool{}
	for _, it := range items {
		want[it.key()] = true
	}
	var changes []Change
	var waves [waveCount][]victim
	for _, k := range st.order {
		if want[k] {
			continue
		}
		u, m := st.byKey[k], st.mappings[k]
		if keep(u, opts.PruneVolumes) {
			changes = append(changes, Change{Ref: ref(u), Action: Kept})
			continue
		}
		waves[waveOf(u.GetKind())] = append(waves[waveOf(u.GetKind())], victim{u: u, m: m})
	}
	for w := waveCount - 1; w >= 0; w-- {
		for _, v := range waves[w] {
			changes = append(changes, Change{Ref: ref(v.u), Action: Pruned})
		}
		if opts.DryRun != DryRunNone {
			continue
		}
		if err := c.deleteAll(ctx, waves[w], metav1.DeletePropagationBackground, opts.Parallel); err != nil {
			return changes, err
		}
		if opts.PruneVolumes {
			if err := c.deleteClaims(ctx, waves[w], opts.Parallel); err != nil {
				return changes, err
			}
		}
	}
	return changes, nil
}

// keep reports whether prune must leave u alone.
func keep(u *unstructured.Unstructured, volumes bool) bool {
	switch u.GetKind() {
	case "Namespace":
		return true
	case "PersistentVolumeClaim":
		return !volumes
	}
	return false
}

// deleteAll deletes objects in parallel. The UID precondition makes sure an object re-created
// by someone else since it was listed is never deleted; gone already counts as deleted.
func (c *Client) deleteAll(ctx context.Context, vs []victim, prop metav1.DeletionPropagation, par int) error {
	errs := make([]error, len(vs))
	forEach(len(vs), par, func(i int) {
		v := vs[i]
		uid := v.u.GetUID()
		err := c.retry(ctx, func() error {
			return c.resource(v.m, v.u.GetNamespace()).Delete(ctx, v.u.GetName(), metav1.DeleteOptions{
				PropagationPolicy: &prop,
				Preconditions:     &metav1.Preconditions{UID: &uid},
			})
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs[i] = fmt.Errorf("deleting %s: %w", ref(v.u), err)
		}
	})
	return errors.Join(errs...)
}

// deleteClaims deletes the PersistentVolumeClaims a deleted StatefulSet's volumeClaimTemplates
// created (<template>-<statefulset>-<ordinal>): they carry no ApplySet label of their own.
func (c *Client) deleteClaims(ctx context.Context, vs []victim, par int) error {
	var claims []victim
	for _, v := range vs {
		if v.u.GetKind() != "StatefulSet" {
			continue
		}
		found, err := c.statefulSetClaims(ctx, v.u)
		if err != nil {
			return err
		}
		claims = append(claims, found...)
	}
	return c.deleteAll(ctx, claims, metav1.DeletePropagationBackground, par)
}

func (c *Client) statefulSetClaims(ctx context.Context, sts *unstructured.Unstructured) ([]victim, error) {
	tpls, _, _ := unstructured.NestedSlice(sts.Object, "spec", "volumeClaimTemplates")
	if len(tpls) == 0 {
		return nil, nil
	}
	m, err := c.Mapper.RESTMapping(schema.GroupKind{Kind: "PersistentVolumeClaim"}, "v1")
	if err != nil {
		return nil, err
	}
	var list *unstructured.UnstructuredList
	err = c.retry(ctx, func() error {
		var err error
		list, err = c.resource(m, sts.GetNamespace()).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the volume claims of %s: %w", ref(sts), err)
	}
	var out []victim
	for _, t := range tpls {
		tm, ok := t.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(tm, "metadata", "name")
		re := regexp.MustCompile("^" + regexp.QuoteMeta(name+"-"+sts.GetName()+"-") + "[0-9]+$")
		for i := range list.Items {
			if re.MatchString(list.Items[i].GetName()) {
				pvc := list.Items[i]
				pvc.SetKind("PersistentVolumeClaim")
				out = append(out, victim{u: &pvc, m: m})
			}
		}
	}
	return out, nil
}
