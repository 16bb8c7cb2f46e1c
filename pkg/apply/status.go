package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WorkloadStatus is one row of `berth status`.
type WorkloadStatus struct {
	Kind, Namespace, Name string
	// Service is the source service (label app.kubernetes.io/name).
	Service string
	Ready   int64
	Desired int64
	Images  []string
	Created time.Time
	// Reason says why the workload is not ready ("" when it is).
	Reason string
	Done   bool
}

// ErrNoApp marks a command run against an application that was never applied.
var ErrNoApp = errors.New("application not found in the cluster")

// workloadKinds are the kinds status and restart look at.
func workloadKinds() []schema.GroupKind {
	return []schema.GroupKind{
		{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"}, {Group: "apps", Kind: "DaemonSet"},
		{Group: "batch", Kind: "Job"}, {Group: "batch", Kind: "CronJob"},
	}
}

// Status lists the set's workloads with their rollout state, images and, when one is not
// ready, the first reason explain finds.
func Status(ctx context.Context, c *Client, s Set) ([]WorkloadStatus, error) {
	st, err := c.setMembers(ctx, s, workloadKinds())
	if err != nil {
		return nil, err
	}
	return c.statusRows(ctx, st.order, st.byKey), nil
}

// StatusOf is Status for objects another tool applied (a Helm release's manifest): the live
// state of the workloads among objs, read by name. Workloads not found are left out.
func StatusOf(ctx context.Context, c *Client, objs []*unstructured.Unstructured) ([]WorkloadStatus, error) {
	want := map[string]bool{}
	maps := map[schema.GroupKind]*meta.RESTMapping{}
	nss := map[string]bool{}
	for _, u := range objs {
		gk := u.GroupVersionKind().GroupKind()
		if !waitable(gk.Kind) && gk.Kind != "CronJob" {
			continue
		}
		m, err := c.mapping(ctx, u.GroupVersionKind())
		if err != nil {
			return nil, err
		}
		maps[gk], nss[u.GetNamespace()] = m, true
		want[objKey(gk, u.GetNamespace(), u.GetName())] = true
	}
	st, err := c.listScopes(ctx, Set{}, scopes(maps, nss))
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range st.order {
		if want[k] {
			keys = append(keys, k)
		}
	}
	return c.statusRows(ctx, keys, st.byKey), nil
}

// statusRows builds the rows of the workloads keys names, in that order.
func (c *Client) statusRows(ctx context.Context, keys []string, byKey map[string]*unstructured.Unstructured) []WorkloadStatus {
	var out []WorkloadStatus
	for _, k := range keys {
		u := byKey[k]
		r := RolloutOf(u)
		ws := WorkloadStatus{
			Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Service: u.GetLabels()[LabelService],
			Ready: r.Ready, Desired: r.Desired, Images: images(u), Created: u.GetCreationTimestamp().Time,
			Done: r.Done || u.GetKind() == "CronJob",
		}
		if !ws.Done {
			ws.Reason = nonEmpty(r.Failed, r.Waiting)
			if lines := c.explain(ctx, u, ws.Reason); len(lines) > 0 {
				ws.Reason += ": " + lines[0]
			}
		}
		if u.GetKind() == "CronJob" {
			ws.Reason = "schedule " + str(u, "spec", "schedule")
			if suspended, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); suspended {
				ws.Reason += ", suspended"
			}
		}
		out = append(out, ws)
	}
	return out
}

// setMembers reads the set's members of the kinds among want that its parent records. A set
// without a parent is not applied (ErrNoApp).
func (c *Client) setMembers(ctx context.Context, s Set, want []schema.GroupKind) (*members, error) {
	p, err := c.readParent(ctx, s)
	if err != nil {
		return nil, err
	}
	if !p.exists {
		return nil, fmt.Errorf("%w: no ApplySet parent %s (run berth apply first, or name the application with --app and -n)", ErrNoApp, s)
	}
	recorded := map[schema.GroupKind]bool{}
	for _, gk := range p.groupKinds {
		recorded[gk] = true
	}
	maps := map[schema.GroupKind]*meta.RESTMapping{}
	for _, gk := range want {
		if !recorded[gk] {
			continue
		}
		m, err := c.Mapper.RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		maps[gk] = m
	}
	nss := map[string]bool{s.Namespace: true}
	for _, ns := range p.namespaces {
		nss[ns] = true
	}
	return c.listScopes(ctx, s, scopes(maps, nss))
}

// images lists the containers' images of a workload's pod template (CronJob: its job's).
func images(u *unstructured.Unstructured) []string {
	path := []string{"spec", "template", "spec"}
	if u.GetKind() == "CronJob" {
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	var out []string
	for _, field := range []string{"initContainers", "containers"} {
		cs, _, _ := unstructured.NestedSlice(u.Object, append(path, field)...)
		for _, c := range cs {
			if m, ok := c.(map[string]any); ok {
				if img, _ := m["image"].(string); img != "" && !slices.Contains(out, img) {
					out = append(out, img)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
