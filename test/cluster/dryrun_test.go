package cluster_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/pkg/validate"
)

const validManifests = `
apiVersion: v1
kind: Namespace
metadata: {name: dry-shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dry-shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: dry-other}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: dry-shop}
data: {A: "1"}
`

// Each document is invalid in one way; the server must reject it with a message containing
// the given text.
var invalidManifests = []struct{ name, doc, want string }{
	{"unknown field", `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: dry-bad}
data: {A: "1"}
dta: {B: "2"}`, "dta"},
	{"wrong type", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dry-bad}
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}`, "replicas"},
	{"missing required field", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dry-bad}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}`, "selector"},
	{"invalid name", `
apiVersion: v1
kind: Service
metadata: {name: Web_Server, namespace: dry-bad}
spec: {ports: [{port: 80}]}`, "Web_Server"},
	{"unknown kind", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: dry-bad}`, "Widget"},
}

func TestDryRun(t *testing.T) {
	c := kube.Get(t)
	ctx := context.Background()

	t.Run("valid objects are accepted", func(t *testing.T) {
		results, err := c.DryRunYAML(ctx, []byte(validManifests))
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 4 {
			t.Fatalf("got %d results, want 4", len(results))
		}
		if err := validate.Err(results); err != nil {
			t.Fatal(err)
		}
		// dry-run stored nothing (only the namespaces were created for real)
		cs, err := c.Client()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AppsV1().Deployments("dry-shop").Get(ctx, "web", metav1.GetOptions{}); err == nil {
			t.Error("dry-run created deployment dry-shop/web")
		}
	})

	t.Run("server warnings are collected and fail validate.Err", func(t *testing.T) {
		results, err := c.DryRunYAML(ctx, []byte(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: dry-warn}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      nodeSelector: {beta.kubernetes.io/os: linux}
      containers: [{name: app, image: nginx}]
`))
		if err != nil {
			t.Fatal(err)
		}
		r := results[0]
		t.Logf("%s", r)
		if !r.Accepted || len(r.Warnings) == 0 || !strings.Contains(strings.Join(r.Warnings, " "), "beta.kubernetes.io/os") {
			t.Fatalf("got %s; want accepted with a warning about beta.kubernetes.io/os", r)
		}
		if r.OK() || validate.Err(results) == nil {
			t.Error("an object with warnings counts as OK")
		}
	})

	for _, tc := range invalidManifests {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			results, err := c.DryRunYAML(ctx, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 1 {
				t.Fatalf("got %d results, want 1", len(results))
			}
			r := results[0]
			t.Logf("%s", r)
			if r.Accepted {
				t.Fatalf("accepted, want rejected (warnings %q)", r.Warnings)
			}
			if !strings.Contains(r.Message, tc.want) {
				t.Errorf("message %q does not mention %q", r.Message, tc.want)
			}
			if validate.Err(results) == nil {
				t.Error("validate.Err = nil for a rejected object")
			}
		})
	}
}
