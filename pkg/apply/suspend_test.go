package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestSuspendCronJobs(t *testing.T) {
	obj := func(apiVersion, kind, ns, name string, spec map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
			"metadata": map[string]any{"name": name}}}
		if ns != "" {
			u.SetNamespace(ns)
		}
		if spec != nil {
			u.Object["spec"] = spec
		}
		return u
	}
	objs := []*unstructured.Unstructured{
		obj("batch/v1", "CronJob", "shop", "backup", map[string]any{"schedule": "0 3 * * *", "suspend": false}),
		obj("batch/v1", "CronJob", "", "report", nil),
		obj("batch/v1", "Job", "shop", "migrate", map[string]any{}),
		obj("example.com/v1", "CronJob", "shop", "other", map[string]any{}),
	}
	got := SuspendCronJobs(objs)
	if diff := cmp.Diff([]string{"shop/backup", "report"}, got); diff != "" {
		t.Errorf("suspended (-want +got):\n%s", diff)
	}
	for i, want := range []bool{true, true, false, false} {
		s, _, _ := unstructured.NestedBool(objs[i].Object, "spec", "suspend")
		if s != want {
			t.Errorf("%s %s: suspend = %v, want %v", objs[i].GetKind(), objs[i].GetName(), s, want)
		}
	}
	if s, _, _ := unstructured.NestedString(objs[0].Object, "spec", "schedule"); s != "0 3 * * *" {
		t.Errorf("schedule changed: %q", s)
	}
}
