package apply_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestWaitExplainsFailures: rollouts that cannot finish make Apply fail after --timeout,
// naming each workload with its service and the reason a user can act on.
func TestWaitExplainsFailures(t *testing.T) {
	e := newEnv(t)
	ns := "failwait"
	objs := parse(t, `apiVersion: v1
kind: Namespace
metadata: {name: failwait}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: failwait
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {berth.test/waiting-reason: ImagePullBackOff}
    spec:
      containers: [{name: web, image: "registry.invalid/web:1"}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: cache
  namespace: failwait
  labels: {app.kubernetes.io/name: cache}
spec:
  storageClassName: does-not-exist
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  namespace: failwait
  labels: {app.kubernetes.io/name: cache}
spec:
  replicas: 1
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: cache, image: "redis:7", volumeMounts: [{name: data, mountPath: /data}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: cache}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gpu
  namespace: failwait
  labels: {app.kubernetes.io/name: gpu}
spec:
  replicas: 1
  selector: {matchLabels: {app: gpu}}
  template:
    metadata: {labels: {app: gpu}}
    spec:
      nodeSelector: {accelerator: h100}
      containers: [{name: gpu, image: "cuda:12"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ok
  namespace: failwait
  labels: {app.kubernetes.io/name: ok}
spec:
  replicas: 1
  selector: {matchLabels: {app: ok}}
  template:
    metadata: {labels: {app: ok}}
    spec:
      containers: [{name: ok, image: "nginx:1"}]
`)
	set := apply.NewSet(ns, ns)
	// First let the controllers reach the state under test, however slow the machine is: the
	// healthy Deployment Available, the others' pods failing for their reasons. Only then is
	// the short --timeout below about berth's verdict and not about the controllers' speed.
	if _, _, err := e.apply(objs, apply.Options{Set: set}); err != nil {
		t.Fatal(err)
	}
	settle(t, e, ns)
	start := time.Now()
	_, _, err := e.apply(objs, apply.Options{Set: set, Wait: true, Timeout: 8 * time.Second})
	if err == nil {
		t.Fatal("apply with failing rollouts succeeded")
	}
	if !errors.Is(err, apply.ErrNotReady) {
		t.Errorf("error is not ErrNotReady: %v", err)
	}
	if took := time.Since(start); took > 90*time.Second {
		t.Errorf("apply took %s with an 8s timeout", took)
	}
	msg := err.Error()
	t.Logf("error:\n%s", msg)
	for _, want := range []string{
		"Deployment failwait/web (service web): 0/1 ready",
		`container web: ImagePullBackOff: Back-off pulling image "registry.invalid/web:1"`,
		"Deployment failwait/cache (service cache): 0/1 ready",
		`PersistentVolumeClaim failwait/cache is Pending (storage class "does-not-exist")`,
		"Deployment failwait/gpu (service gpu): 0/1 ready",
		"unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector",
		"next: ",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q", want)
		}
	}
	if strings.Contains(msg, "failwait/ok") {
		t.Errorf("error names the healthy deployment")
	}
}

// TestWaitJobFailure: a Job whose pod fails makes apply fail as soon as the Job is Failed,
// with the Job's reason and the pod's exit code; status then says the same.
func TestWaitJobFailure(t *testing.T) {
	e := newEnv(t)
	ns := "failjob"
	objs := parse(t, `apiVersion: v1
kind: Namespace
metadata: {name: failjob}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: failjob
  labels: {app.kubernetes.io/name: migrate}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {berth.test/exit-code: "3"}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "migrate:1", command: [migrate, up]}]
`)
	set := apply.NewSet(ns, ns)
	start := time.Now()
	_, _, err := e.apply(objs, apply.Options{Set: set, Wait: true, Timeout: 2 * time.Minute})
	if err == nil {
		t.Fatal("apply of a failing job succeeded")
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("a failed job was noticed only after %s", took)
	}
	t.Logf("error:\n%s", err)
	for _, want := range []string{"Job failjob/migrate (service migrate): 0/1 ready: job failed: BackoffLimitExceeded",
		"container migrate: exited with code 3 (Error)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q", want)
		}
	}
	rows, err := apply.Status(e.ctx, e.c, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Done || !strings.Contains(rows[0].Reason, "BackoffLimitExceeded") {
		t.Errorf("status rows = %+v", rows)
	}
}

// settle waits (up to two minutes) until Deployment ok is Available and the pods of web,
// cache and gpu show the failures TestWaitExplainsFailures expects berth to explain.
func settle(t *testing.T, e *env, ns string) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(e.kc.Config)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if last = unsettled(e, cs, ns); last == "" {
			return
		}
	}
	t.Fatalf("cluster did not settle in 2 minutes: %s", last)
}

// unsettled says what is not yet in the expected state ("" when everything is).
func unsettled(e *env, cs kubernetes.Interface, ns string) string {
	d, err := cs.AppsV1().Deployments(ns).Get(e.ctx, "ok", metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	if d.Status.ObservedGeneration < d.Generation || d.Status.AvailableReplicas < 1 {
		return "deployment ok not available"
	}
	pods, err := cs.CoreV1().Pods(ns).List(e.ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	want := map[string]bool{"web": false, "cache": false, "gpu": false}
	for _, p := range pods.Items {
		app := p.Labels["app"]
		switch app {
		case "web":
			for _, c := range p.Status.ContainerStatuses {
				if w := c.State.Waiting; w != nil && w.Reason == "ImagePullBackOff" {
					want[app] = true
				}
			}
		case "cache", "gpu":
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
					want[app] = true
				}
			}
		}
	}
	for app, ok := range want {
		if !ok {
			return "pod of " + app + " not yet in its failing state"
		}
	}
	return ""
}
