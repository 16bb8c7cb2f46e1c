package apply_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
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
	start := time.Now()
	_, _, err := e.apply(objs, apply.Options{Set: apply.NewSet(ns, ns), Wait: true, Timeout: 8 * time.Second})
	if err == nil {
		t.Fatal("apply with failing rollouts succeeded")
	}
	if !errors.Is(err, apply.ErrNotReady) {
		t.Errorf("error is not ErrNotReady: %v", err)
	}
	if took := time.Since(start); took > 40*time.Second {
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
