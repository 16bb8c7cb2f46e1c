package apply_test

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestListDecodesLikeClientGo: the one-pass list read gives, object for object, the values
// and Go types client-go's dynamic List gives (integers as int64, quantities and floats as
// they are), for namespaced and cluster-scoped kinds, with and without a label selector.
func TestListDecodesLikeClientGo(t *testing.T) {
	e := newEnv(t)
	ns := "listdecode"
	objs := parse(t, `
apiVersion: v1
kind: Namespace
metadata: {name: `+ns+`}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: `+ns+`, labels: {pick: "yes"}}
data: {a: "1", b: "x"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: `+ns+`, labels: {pick: "yes"}}
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: c
        image: registry.example/d:1
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: "1.5"}}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: `+ns+`}
spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: d}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: `+ns+`-p, labels: {pick: "yes"}}
value: 1000
`)
	for _, u := range objs {
		m, err := e.c.Mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Dynamic.Resource(m.Resource).Namespace(u.GetNamespace()).Create(e.ctx, u, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = e.c.Dynamic.Resource(m.Resource).Namespace(u.GetNamespace()).Delete(e.ctx, u.GetName(), metav1.DeleteOptions{})
		})
	}
	kinds := []schema.GroupKind{{Kind: "ConfigMap"}, {Group: "apps", Kind: "Deployment"}, {Kind: "Service"}, {Group: "scheduling.k8s.io", Kind: "PriorityClass"}}
	for _, gk := range kinds {
		m, err := e.c.Mapper.RESTMapping(gk)
		if err != nil {
			t.Fatal(err)
		}
		lns := ns
		if gk.Kind == "PriorityClass" {
			lns = ""
		}
		for _, sel := range []string{"", "pick=yes"} {
			var want *unstructured.UnstructuredList
			var got []unstructured.Unstructured
			// The controllers add objects of their own as they get to the namespace (the
			// kube-root-ca.crt ConfigMap): list both ways again until the two reads see the
			// same objects, for at most 10 s.
			for try := 0; ; try++ {
				var err error
				if want, err = e.c.Dynamic.Resource(m.Resource).Namespace(lns).List(e.ctx, metav1.ListOptions{LabelSelector: sel}); err != nil {
					t.Fatal(err)
				}
				if got, err = e.c.List(e.ctx, m, lns, sel); err != nil {
					t.Fatal(err)
				}
				if len(got) == len(want.Items) || try == 100 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if len(got) != len(want.Items) || len(got) == 0 && sel == "" {
				t.Fatalf("%s %q: %d objects, client-go %d", gk, sel, len(got), len(want.Items))
			}
			for i := range got {
				// client-go fills an item's kind and apiVersion from the list's; berth sets
				// them from the mapping where it needs them
				w := want.Items[i].DeepCopy()
				delete(w.Object, "kind")
				delete(w.Object, "apiVersion")
				g := got[i].DeepCopy()
				delete(g.Object, "kind")
				delete(g.Object, "apiVersion")
				if !reflect.DeepEqual(g.Object, w.Object) {
					t.Errorf("%s %s: one-pass list differs from client-go's:\n got %#v\nwant %#v", gk, w.GetName(), g.Object, w.Object)
				}
			}
		}
	}
}
