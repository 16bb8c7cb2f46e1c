package render

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kinds whose status structs carry non-omitempty counters (StatefulSet replicas: 0, DaemonSet
// numberReady: 0, HPA desiredReplicas: 0) must not leak a status into the output either.
func TestUnstructuredDropsCounterStatus(t *testing.T) {
	sts := &appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "db"}}
	m, err := Unstructured(sts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["status"]; ok {
		t.Errorf("StatefulSet rendered with a status: %v", m["status"])
	}
}
