package apply

import (
	"context"
	"fmt"
	"io"
	corev1 "k8s.io/api/core/v1"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DownOptions configure Down.
type DownOptions struct {
	// Volumes also deletes PersistentVolumeClaims (and the claims of StatefulSets' volume
	// claim templates), like docker compose down --volumes.
	Volumes bool
	// Timeout bounds the wait for deleted objects to be gone (default 2 minutes).
	Timeout  time.Duration
	Parallel int
	Out      io.Writer
}

// Down deletes the members of the set in reverse wave order with foreground propagation,
// waiting for each wave to be gone. PersistentVolumeClaims are kept unless Volumes; then the
// parent records only what was kept, or is deleted when nothing was. A Namespace member is
// deleted last, and only when nothing was kept in it and it holds no object outside the set.
func Down(ctx context.Context, c *Client, s Set, o DownOptions) (*Result, error) {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	p, err := c.readParent(ctx, s)
	if err != nil {
		return nil, err
	}
	if !p.exists {
		return nil, fmt.Errorf("%w: no ApplySet parent %s: nothing to delete", ErrNoApp, s)
	}
	st, err := c.readMembers(ctx, s, nil, p)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	waves, kept, namespaces := downPlan(st, o.Volumes, res)
	for w := waveCount - 1; w >= 0; w-- {
		claims, err := c.deleteWave(ctx, s, waves[w], o, res)
		if err != nil {
			return res, err
		}
		kept = append(kept, claims...)
	}
	if err := c.finishDown(ctx, s, kept, namespaces, o, res); err != nil {
		return res, err
	}
	printChanges(o.Out, res.Changes)
	return res, nil
}

// downPlan sorts the members into delete waves, kept claims (without volumes) and namespaces
// (deleted last, if they may go).
func downPlan(st *members, volumes bool, res *Result) (waves [waveCount][]victim, kept, namespaces []victim) {
	for _, k := range st.order {
		v := victim{u: st.byKey[k], m: st.mappings[k]}
		switch kind := v.u.GetKind(); {
		case kind == "Namespace" && v.m.GroupVersionKind.Group == "":
			namespaces = append(namespaces, v)
		case kind == "PersistentVolumeClaim" && !volumes:
			kept = append(kept, v)
			res.Changes = append(res.Changes, Change{Ref: ref(v.u), Action: Kept, Note: "use --volumes to delete it"})
		default:
			waves[waveOf(kind)] = append(waves[waveOf(kind)], v)
		}
	}
	return waves, kept, namespaces
}

func printChanges(w io.Writer, changes []Change) {
	for _, ch := range changes {
		note := ""
		if ch.Note != "" {
			note = " (" + ch.Note + ")"
		}
		fmt.Fprintf(w, "%s %s%s\n", ch.Ref, ch.Action, note)
	}
}

// deleteWave deletes one wave (foreground: dependents first) and waits until it is gone.
// The claims of deleted StatefulSets are deleted with Volumes, else kept: labelled as
// members and returned.
func (c *Client) deleteWave(ctx context.Context, s Set, vs []victim, o DownOptions, res *Result) ([]victim, error) {
	if len(vs) == 0 {
		return nil, nil
	}
	if err := c.deleteAll(ctx, vs, metav1.DeletePropagationForeground, o.Parallel); err != nil {
		return nil, err
	}
	if err := c.waitGone(ctx, vs, o.Timeout); err != nil {
		return nil, err
	}
	for _, v := range vs {
		res.Changes = append(res.Changes, Change{Ref: ref(v.u), Action: Deleted})
	}
	claims, err := c.claimsOf(ctx, vs)
	if err != nil {
		return nil, err
	}
	if o.Volumes {
		for _, v := range claims {
			res.Changes = append(res.Changes, Change{Ref: ref(v.u), Action: Deleted})
		}
		return nil, c.deleteAll(ctx, claims, metav1.DeletePropagationBackground, o.Parallel)
	}
	for _, v := range claims {
		res.Changes = append(res.Changes, Change{Ref: ref(v.u), Action: Kept, Note: "use --volumes to delete it"})
	}
	return claims, c.adoptClaims(ctx, s, claims)
}

// finishDown updates or deletes the parent and deletes the namespaces that may go.
func (c *Client) finishDown(ctx context.Context, s Set, kept, namespaces []victim, o DownOptions, res *Result) error {
	keptNS := map[string]bool{}
	var gks []schema.GroupKind
	for _, v := range kept {
		keptNS[v.u.GetNamespace()] = true
		gks = append(gks, v.m.GroupVersionKind.GroupKind())
	}
	var drop []victim
	for _, ns := range namespaces {
		why := ""
		if has, err := c.hasClaims(ctx, ns.u.GetName()); err != nil {
			return err
		} else if keptNS[ns.u.GetName()] || (has && !o.Volumes) {
			why = "it holds PersistentVolumeClaims: use --volumes to delete them"
		} else if foreign, err := c.foreignObjects(ctx, s, ns.u.GetName()); err != nil {
			return err
		} else if len(foreign) > 0 {
			why = "it holds objects berth did not create: " + strings.Join(foreign, ", ")
		}
		if why == "" {
			drop = append(drop, ns)
			continue
		}
		kept = append(kept, ns)
		gks = append(gks, ns.m.GroupVersionKind.GroupKind())
		res.Changes = append(res.Changes, Change{Ref: ref(ns.u), Action: Kept, Note: why})
	}
	if len(kept) > 0 {
		var nss []string
		for ns := range keptNS {
			nss = append(nss, ns)
		}
		if err := c.writeParent(ctx, s, gks, nss, false); err != nil {
			return err
		}
	} else if err := c.deleteParent(ctx, s); err != nil {
		return err
	}
	for _, ns := range drop {
		res.Changes = append(res.Changes, Change{Ref: ref(ns.u), Action: Deleted})
	}
	if err := c.deleteAll(ctx, drop, metav1.DeletePropagationForeground, o.Parallel); err != nil {
		return err
	}
	return c.waitGone(ctx, drop, o.Timeout)
}

// hasClaims reports whether namespace ns holds any PersistentVolumeClaim not being deleted
// (members, or claims of StatefulSets' volume claim templates).
func (c *Client) hasClaims(ctx context.Context, ns string) (bool, error) {
	var list *corev1.PersistentVolumeClaimList
	err := c.retry(ctx, func() error {
		var err error
		list, err = c.Typed.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("listing the volume claims in namespace %s: %w", ns, err)
	}
	for _, pvc := range list.Items {
		if pvc.DeletionTimestamp == nil {
			return true, nil
		}
	}
	return false, nil
}

// foreignObjects lists (a few of) the objects in ns that are not members of s, among the
// kinds an application usually holds. The namespace's own defaults (the default
// ServiceAccount, kube-root-ca.crt) and the set's parent do not count.
func (c *Client) foreignObjects(ctx context.Context, s Set, ns string) ([]string, error) {
	kinds := []schema.GroupKind{
		{Kind: "ConfigMap"}, {Kind: "Secret"}, {Kind: "Service"}, {Kind: "PersistentVolumeClaim"}, {Kind: "Pod"},
		{Kind: "ServiceAccount"}, {Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"},
		{Group: "apps", Kind: "DaemonSet"}, {Group: "batch", Kind: "Job"}, {Group: "batch", Kind: "CronJob"},
		{Group: "networking.k8s.io", Kind: "Ingress"},
	}
	var out []string
	for _, gk := range kinds {
		m, err := c.Mapper.RESTMapping(gk)
		if err != nil {
			continue
		}
		var list *unstructured.UnstructuredList
		err = c.retry(ctx, func() error {
			var err error
			list, err = c.resource(m, ns).List(ctx, metav1.ListOptions{LabelSelector: LabelPartOf + "!=" + s.ID()})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s in namespace %s: %w", m.Resource.Resource, ns, err)
		}
		for _, u := range list.Items {
			if !namespaceDefault(gk.Kind, u.GetName(), s) && u.GetDeletionTimestamp() == nil && len(out) < 5 {
				out = append(out, gk.Kind+" "+u.GetName())
			}
		}
	}
	return out, nil
}

func namespaceDefault(kind, name string, s Set) bool {
	switch kind {
	case "ConfigMap":
		return name == "kube-root-ca.crt"
	case "ServiceAccount":
		return name == "default"
	case "Secret":
		return name == s.Name
	}
	return false
}

// waitGone polls until every object in vs is deleted.
func (c *Client) waitGone(ctx context.Context, vs []victim, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, v := range vs {
		for {
			_, err := c.get(ctx, v.m, v.u.GetNamespace(), v.u.GetName())
			if apierrors.IsNotFound(err) {
				break
			}
			if err != nil {
				return fmt.Errorf("waiting for %s to be deleted: %w", ref(v.u), err)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is still being deleted after %s (finalizers? see kubectl get -o yaml)", ref(v.u), timeout)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}
