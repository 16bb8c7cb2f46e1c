package apply_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/apply"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestPruneSafety: --prune deletes what the app no longer produces, but never a PVC (nor a
// StatefulSet's claims) without --prune-volumes, and never an object berth did not apply,
// even one with the same labels and kinds in the same namespace.
func TestPruneSafety(t *testing.T) {
	e := newEnv(t)
	ns := "prune"
	set := apply.NewSet(ns, ns)
	all := parse(t, app(ns, 2, true))
	if _, _, err := e.apply(all, apply.Options{Set: set, Wait: true}); err != nil {
		t.Fatal(err)
	}
	cs, _ := e.kc.Client()
	// a ConfigMap someone created by hand, labelled like berth's objects but not a member
	foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "svc1-env-manual", Namespace: ns,
		Labels: map[string]string{"app.kubernetes.io/part-of": ns, "app.kubernetes.io/name": "svc1"}}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(e.ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// the next version of the app drops svc1 and the whole "full" part (PVC, StatefulSet, Job, ...)
	next := parse(t, app(ns, 1, false))
	res, _, err := e.apply(next, apply.Options{Set: set, Prune: true, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ConfigMap prune/svc1-env (service svc1)", "Deployment prune/svc1 (service svc1)",
		"StatefulSet prune/db (service db)", "Job prune/migrate (service migrate)", "Ingress prune/svc0 (service svc0)"} {
		if !hasChange(res, want, apply.Pruned) {
			t.Errorf("%s not pruned: %+v", want, res.Changes)
		}
	}
	for _, want := range []string{"PersistentVolumeClaim prune/data (service db)", "PersistentVolumeClaim prune/pgdata-db-0"} {
		if !hasChange(res, want, apply.Kept) {
			t.Errorf("%s not reported kept: %+v", want, res.Changes)
		}
	}
	gone(t, e, "apps/v1", "Deployment", ns, "svc1")
	for _, name := range []string{"data", "pgdata-db-0"} {
		if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(e.ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("PVC %s: %v", name, err)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(e.ctx, foreign.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("foreign ConfigMap touched by prune: %v", err)
	}
	// the kept claims stay tracked: prune with --prune-volumes deletes them now
	res, _, err = e.apply(next, apply.Options{Set: set, Prune: true, PruneVolumes: true, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PersistentVolumeClaim prune/data (service db)", "PersistentVolumeClaim prune/pgdata-db-0"} {
		if !hasChange(res, want, apply.Pruned) {
			t.Errorf("%s not pruned with --prune-volumes: %+v", want, res.Changes)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(e.ctx, foreign.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("foreign ConfigMap touched by prune: %v", err)
	}
	checkParent(t, e, set, "ConfigMap,Deployment.apps,Namespace,Secret,Service")
}

func hasChange(res *apply.Result, refPrefix string, a apply.Action) bool {
	for _, c := range res.Changes {
		if strings.HasPrefix(c.Ref, refPrefix) && c.Action == a {
			return true
		}
	}
	return false
}

// gone asserts that an object does not exist (or is being deleted).
func gone(t *testing.T, e *env, apiVersion, kind, ns, name string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	m, err := e.c.Mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Dynamic.Resource(m.Resource).Namespace(ns).Get(e.ctx, name, metav1.GetOptions{})
	if err == nil && got.GetDeletionTimestamp() == nil {
		t.Errorf("%s %s/%s still exists", kind, ns, name)
	} else if err != nil && !apierrors.IsNotFound(err) {
		t.Error(err)
	}
}
