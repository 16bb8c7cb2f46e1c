package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestOnlyWorkloads(t *testing.T) {
	obj := func(apiVersion, kind, name, svc string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind,
			"metadata": map[string]any{"name": name}}}
		if svc != "" {
			u.SetLabels(map[string]string{serviceLabel: svc})
		}
		return u
	}
	objs := []*unstructured.Unstructured{
		obj("v1", "Namespace", "shop", ""),
		obj("v1", "Secret", "db-password", "db"),
		obj("v1", "PersistentVolumeClaim", "uploads", "web"),
		obj("v1", "Service", "web", "web"),
		obj("apps/v1", "StatefulSet", "db", "db"),
		obj("apps/v1", "Deployment", "web", "web"),
		obj("apps/v1", "DaemonSet", "agent", "agent"),
		obj("batch/v1", "Job", "migrate", "migrate"),
		obj("batch/v1", "CronJob", "backup", "db"),
		obj("batch/v1", "CronJob", "report", "report"),
		obj("example.com/v1", "Deployment", "custom", "web"),
	}
	kept, held := OnlyWorkloads(objs, []string{"db"})
	var names []string
	for _, u := range kept {
		names = append(names, u.GetKind()+"/"+u.GetName())
	}
	if diff := cmp.Diff([]string{"Namespace/shop", "Secret/db-password", "PersistentVolumeClaim/uploads", "Service/web",
		"StatefulSet/db", "CronJob/backup", "Deployment/custom"}, names); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Deployment/web", "DaemonSet/agent", "Job/migrate", "CronJob/report"}, held); diff != "" {
		t.Errorf("held (-want +got):\n%s", diff)
	}
	if kept, _ := OnlyWorkloads(objs, nil); len(kept) != 5 {
		t.Errorf("no service: kept %d objects, want the 5 that are not workloads", len(kept))
	}
}
