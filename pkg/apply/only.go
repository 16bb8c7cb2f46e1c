package apply

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// serviceLabel names the service an object belongs to (convert.LabelName).
const serviceLabel = "app.kubernetes.io/name"

// OnlyWorkloads keeps every object of objs except the workloads (Deployments, StatefulSets,
// DaemonSets, Jobs, CronJobs) of services not in services, and returns what it keeps and the
// kind/name of what it holds back. It is the switch-over's data tier: config, secrets,
// claims, Services and the stores' workloads are applied while the app tier, its migrations
// and its scheduled jobs wait until the data is restored.
func OnlyWorkloads(objs []*unstructured.Unstructured, services []string) (kept []*unstructured.Unstructured, held []string) {
	for _, u := range objs {
		if isWorkload(u) && !slices.Contains(services, u.GetLabels()[serviceLabel]) {
			held = append(held, u.GetKind()+"/"+u.GetName())
			continue
		}
		kept = append(kept, u)
	}
	return kept, held
}

func isWorkload(u *unstructured.Unstructured) bool {
	gk := u.GroupVersionKind().GroupKind()
	switch gk.Group {
	case "apps":
		return gk.Kind == "Deployment" || gk.Kind == "StatefulSet" || gk.Kind == "DaemonSet"
	case "batch":
		return gk.Kind == "Job" || gk.Kind == "CronJob"
	}
	return false
}
