package apply_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestApplyRidesOutAPIServerRestart restarts kube-apiserver while a large apply is under way:
// apply retries with backoff and finishes, every object exists exactly once, and a re-run
// finds nothing to change.
func TestApplyRidesOutAPIServerRestart(t *testing.T) {
	e := newEnv(t)
	ns := "restart"
	const services = 100
	objs := parse(t, app(ns, services, false))
	set := apply.NewSet(ns, ns)
	cs, err := e.kc.Client()
	if err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		err  error
		done time.Time
	}
	result := make(chan outcome, 1)
	go func() {
		_, _, err := e.apply(objs, apply.Options{Set: set, Parallel: 4})
		result <- outcome{err, time.Now()}
	}()
	// restart as soon as the first wave (the namespace) is in: the rest is still to come
	for {
		if _, err := cs.CoreV1().Namespaces().Get(e.ctx, ns, metav1.GetOptions{}); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	restarted := time.Now()
	if err := e.kc.RestartAPIServer(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("kube-apiserver restarted in %s", time.Since(restarted).Round(time.Millisecond))
	out := <-result
	if out.err != nil {
		t.Fatalf("apply across the restart: %v", out.err)
	}
	if !out.done.After(restarted) {
		t.Fatal("the apply finished before the restart began: the test proved nothing")
	}

	cms, err := cs.CoreV1().ConfigMaps(ns).List(e.ctx, metav1.ListOptions{LabelSelector: apply.LabelPartOf + "=" + set.ID()})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := cs.AppsV1().Deployments(ns).List(e.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cms.Items) != services || len(ds.Items) != services {
		t.Errorf("after the restart: %d ConfigMaps and %d Deployments, want %d each", len(cms.Items), len(ds.Items), services)
	}
	res, _, err := e.apply(objs, apply.Options{Set: set})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(apply.Unchanged); got != len(objs) {
		t.Errorf("re-run after the restart: %d of %d unchanged: %s", got, len(objs), fmt.Sprint(res.Changes[:3]))
	}
}
