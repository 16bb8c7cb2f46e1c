package apply_test

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/test/cluster"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// kwokStages make pods annotated berth.test/waiting-reason stay waiting with that reason.
//
//go:embed testdata/kwok-stages.yaml
var kwokStages string

// kube is the real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)
// shared by this package's tests; each test works in its own namespace.
var kube = cluster.NewShared(cluster.Options{PVs: 40, KwokConfig: kwokStages})

func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }

// env is one test's view of the cluster.
type env struct {
	t   *testing.T
	c   *apply.Client
	ctx context.Context
	kc  *cluster.Cluster
}

func newEnv(t *testing.T) *env {
	t.Helper()
	kc := kube.Get(t)
	c, err := apply.NewClient(kc.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return &env{t: t, c: c, ctx: ctx, kc: kc}
}

// apply runs apply.Apply with quick waits and returns the result and its printed lines.
func (e *env) apply(objs []*unstructured.Unstructured, opts apply.Options) (*apply.Result, string, error) {
	e.t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	res, err := apply.Apply(e.ctx, e.c, objs, opts)
	e.t.Logf("apply output:\n%s", out.String())
	return res, out.String(), err
}

// parse decodes a multi-document YAML stream.
func parse(t testing.TB, s string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatal(err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// app renders a berth-like application: a namespace, then per service a ConfigMap, a Secret,
// a Service and a Deployment (the first service also gets a PVC, a StatefulSet with a claim
// template, a Job, an Ingress and a NetworkPolicy when full is set).
func app(ns string, services int, full bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/managed-by: berth}
`, ns)
	for i := range services {
		fmt.Fprintf(&b, svcTemplate, ns, fmt.Sprintf("svc%d", i))
	}
	if full {
		fmt.Fprintf(&b, fullTemplate, ns)
	}
	return b.String()
}

const svcTemplate = `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[2]s-env
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
data: {LOG_LEVEL: info, PORT: "8080"}
---
apiVersion: v1
kind: Secret
metadata:
  name: %[2]s-secret
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
type: Opaque
data: {PASSWORD: c2VjcmV0}
---
apiVersion: v1
kind: Service
metadata:
  name: %[2]s
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
spec:
  selector: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
  template:
    metadata:
      labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: %[2]s}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - {containerPort: 8080, name: http, protocol: TCP}
        envFrom:
        - configMapRef: {name: %[2]s-env}
        - secretRef: {name: %[2]s-secret}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {memory: 128Mi}
`

const fullTemplate = `---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: db}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: db}
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: db}
  template:
    metadata:
      labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: db}
    spec:
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - {name: pgdata, mountPath: /var/lib/postgresql/data}
        - {name: data, mountPath: /data}
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data}
  volumeClaimTemplates:
  - metadata: {name: pgdata}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: migrate}
spec:
  backoffLimit: 1
  template:
    metadata:
      labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: migrate}
    spec:
      restartPolicy: Never
      containers:
      - {name: migrate, image: "busybox:1.36", command: [sh, -c, "true"]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: svc0
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: svc0}
spec:
  rules:
  - host: svc0.example.test
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: svc0
            port: {number: 80}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: %[1]s
  labels: {app.kubernetes.io/part-of: %[1]s, app.kubernetes.io/name: db}
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: db}
  ingress:
  - from:
    - podSelector:
        matchLabels: {app.kubernetes.io/part-of: %[1]s}
`
