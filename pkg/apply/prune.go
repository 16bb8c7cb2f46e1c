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

// pruned is the outcome of prune: what it did, and the members it kept (their kinds and
// namespaces stay recorded in the parent).
type pruned struct {
	changes []Change
	kept    []victim
}

// prune deletes the set's members that are no longer desired, in reverse wave order. Only
// objects labelled as members of this set are candidates; PersistentVolumeClaims are kept
// unless PruneVolumes, Namespaces are always kept (deleting one deletes everything in it).
// The claims of a deleted StatefulSet's volume claim templates are deleted with
// PruneVolumes, else labelled as kept members so that a later prune or down can find them.
func (c *Client) prune(ctx context.Context, items []*item, st *members, opts Options) (pruned, error) {
	want := map[string]bool{}
	for _, it := range items {
		want[it.key()] = true
	}
	var out pruned
	var waves [waveCount][]victim
	for _, k := range st.order {
		if want[k] {
			continue
		}
		v := victim{u: st.byKey[k], m: st.mappings[k]}
		if keep(v.u, opts.PruneVolumes) {
			out.changes = append(out.changes, Change{Ref: ref(v.u), Action: Kept, Note: keepNote(v.u)})
			out.kept = append(out.kept, v)
			continue
		}
		waves[waveOf(v.u.GetKind())] = append(waves[waveOf(v.u.GetKind())], v)
	}
	for w := waveCount - 1; w >= 0; w-- {
		for _, v := range waves[w] {
			out.changes = append(out.changes, Change{Ref: ref(v.u), Action: Pruned})
		}
		if opts.DryRun != DryRunNone {
			continue
		}
		if err := c.deleteAll(ctx, waves[w], metav1.DeletePropagationBackground, opts.Parallel); err != nil {
			return out, err
		}
		claims, err := c.claimsOf(ctx, waves[w])
		if err != nil {
			return out, err
		}
		if opts.PruneVolumes {
			err = c.deleteAll(ctx, claims, metav1.DeletePropagationBackground, opts.Parallel)
		} else {
			err = c.adoptClaims(ctx, opts.Set, claims)
			out.kept = append(out.kept, claims...)
			for _, v := range claims {
				out.changes = append(out.changes, Change{Ref: ref(v.u), Action: Kept, Note: keepNote(v.u)})
			}
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func keepNote(u *unstructured.Unstructured) string {
	if u.GetKind() == "Namespace" {
		return "namespaces are never pruned: delete it yourself or use berth down"
	}
	return "volume claims are pruned only with --prune-volumes"
}

// adoptClaims labels claims as members of s, so the set keeps tracking them.
func (c *Client) adoptClaims(ctx context.Context, s Set, claims []victim) error {
	errs := make([]error, len(claims))
	forEach(len(claims), 16, func(i int) {
		v := claims[i]
		patch := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "PersistentVolumeClaim",
			"metadata": map[string]any{"name": v.u.GetName(), "namespace": v.u.GetNamespace(),
				"labels": map[string]any{LabelPartOf: s.ID()}},
		}}
		err := c.retry(ctx, func() error {
			_, err := c.resource(v.m, v.u.GetNamespace()).Apply(ctx, v.u.GetName(), patch, metav1.ApplyOptions{FieldManager: FieldManager})
			return err
		})
		if err != nil && !apierrors.IsNotFound(err) {
			errs[i] = fmt.Errorf("labelling %s as kept: %w", ref(v.u), err)
		}
	})
	return errors.Join(errs...)
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

// claimsOf finds the PersistentVolumeClaims that the StatefulSets among vs created from
// their volumeClaimTemplates (<template>-<statefulset>-<ordinal>): they carry no ApplySet
// label of their own.
func (c *Client) claimsOf(ctx context.Context, vs []victim) ([]victim, error) {
	var claims []victim
	for _, v := range vs {
		if v.u.GetKind() != "StatefulSet" {
			continue
		}
		found, err := c.statefulSetClaims(ctx, v.u)
		if err != nil {
			return nil, err
		}
		claims = append(claims, found...)
	}
	return claims, nil
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
