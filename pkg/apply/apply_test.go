package apply_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/apply"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestApplyWavesWaitAndNoop applies a full application to the real control plane, waits for
// every rollout, checks the ApplySet bookkeeping, then re-applies it unchanged (nothing may
// change) and after a live edit of a berth-owned field (the edit must be undone).
func TestApplyWavesWaitAndNoop(t *testing.T) {
	e := newEnv(t)
	ns := "waves"
	objs := parse(t, app(ns, 3, true))
	set := apply.NewSet(ns, ns)
	res, _, err := e.apply(objs, apply.Options{Set: set, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Count(apply.Applied), len(objs); got != want {
		t.Errorf("applied %d objects, want %d", got, want)
	}
	cs, err := e.kc.Client()
	if err != nil {
		t.Fatal(err)
	}
	d, err := cs.AppsV1().Deployments(ns).Get(e.ctx, "svc1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.AvailableReplicas != 2 {
		t.Errorf("svc1 available replicas = %d after the wait, want 2", d.Status.AvailableReplicas)
	}
	if got := d.Labels[apply.LabelPartOf]; got != set.ID() {
		t.Errorf("part-of label = %q, want %q", got, set.ID())
	}
	job, err := cs.BatchV1().Jobs(ns).Get(e.ctx, "migrate", metav1.GetOptions{})
	if err != nil || job.Status.Succeeded != 1 {
		t.Errorf("job after the wait: succeeded=%v err=%v", job.Status.Succeeded, err)
	}
	checkParent(t, e, set, "ConfigMap,Deployment.apps,Ingress.networking.k8s.io,Job.batch,Namespace,NetworkPolicy.networking.k8s.io,PersistentVolumeClaim,Secret,Service,StatefulSet.apps")

	before := resourceVersions(t, e, ns)
	res, _, err = e.apply(objs, apply.Options{Set: set, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(apply.Unchanged); got != len(objs) {
		t.Errorf("re-apply: %d unchanged, want all %d: %+v", got, len(objs), res.Changes)
	}
	if after := resourceVersions(t, e, ns); !equalMaps(before, after) {
		t.Errorf("re-apply changed resourceVersions:\nbefore %v\nafter  %v", before, after)
	}

	// drift: someone scales a deployment and edits a config value by hand
	if _, err := cs.AppsV1().Deployments(ns).Patch(e.ctx, "svc1", types.MergePatchType,
		[]byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Patch(e.ctx, "svc2-env", types.MergePatchType,
		[]byte(`{"data":{"LOG_LEVEL":"debug"}}`), metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	res, _, err = e.apply(objs, apply.Options{Set: set, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(apply.Configured); got != 2 {
		t.Errorf("after drift: %d configured, want 2: %+v", got, res.Changes)
	}
	d, _ = cs.AppsV1().Deployments(ns).Get(e.ctx, "svc1", metav1.GetOptions{})
	if *d.Spec.Replicas != 2 {
		t.Errorf("drifted replicas not restored: %d", *d.Spec.Replicas)
	}
	cm, _ := cs.CoreV1().ConfigMaps(ns).Get(e.ctx, "svc2-env", metav1.GetOptions{})
	if cm.Data["LOG_LEVEL"] != "info" {
		t.Errorf("drifted config not restored: %q", cm.Data["LOG_LEVEL"])
	}
}

func checkParent(t *testing.T, e *env, set apply.Set, kinds string) {
	t.Helper()
	cs, _ := e.kc.Client()
	p, err := cs.CoreV1().Secrets(set.Namespace).Get(e.ctx, set.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ApplySet parent: %v", err)
	}
	if got := p.Labels[apply.LabelApplySetID]; got != set.ID() || !strings.HasPrefix(got, "applyset-") || !strings.HasSuffix(got, "-v1") {
		t.Errorf("parent id label = %q, want %q", got, set.ID())
	}
	if got := p.Annotations[apply.AnnotationGroupKinds]; got != kinds {
		t.Errorf("contains-group-kinds = %q, want %q", got, kinds)
	}
	if got := p.Annotations[apply.AnnotationTooling]; got != apply.Tooling {
		t.Errorf("tooling = %q", got)
	}
}

// resourceVersions maps kind/name to resourceVersion for the app's objects in ns.
func resourceVersions(t *testing.T, e *env, ns string) map[string]string {
	t.Helper()
	cs, _ := e.kc.Client()
	out := map[string]string{}
	opts := metav1.ListOptions{}
	cms, err := cs.CoreV1().ConfigMaps(ns).List(e.ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cms.Items {
		out["cm/"+o.Name] = o.ResourceVersion
	}
	ss, _ := cs.CoreV1().Secrets(ns).List(e.ctx, opts)
	for _, o := range ss.Items {
		out["secret/"+o.Name] = o.ResourceVersion
	}
	svcs, _ := cs.CoreV1().Services(ns).List(e.ctx, opts)
	for _, o := range svcs.Items {
		out["svc/"+o.Name] = o.ResourceVersion
	}
	ds, _ := cs.AppsV1().Deployments(ns).List(e.ctx, opts)
	for _, o := range ds.Items {
		// controllers keep writing a Deployment's status; its spec generation is what apply touches
		out["deploy/"+o.Name] = fmt.Sprint(o.Generation)
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
