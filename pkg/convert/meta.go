package convert

import (
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Label keys berth sets on every object.
const (
	LabelApp       = "app"
	LabelName      = "app.kubernetes.io/name"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
	ManagedBy      = "berth"
)

// kindRank orders objects so that dependencies come first (also the apply wave order).
var kindOrder = []string{
	"Namespace", "CustomResourceDefinition", "ServiceAccount", "Role", "ClusterRole", "RoleBinding",
	"ClusterRoleBinding", "SecretStore", "ClusterSecretStore", "ExternalSecret", "ConfigMap", "Secret",
	"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Service", "Deployment", "StatefulSet",
	"DaemonSet", "Job", "CronJob", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress",
	"Gateway", "HTTPRoute", "NetworkPolicy", "LoadBalancerConfiguration", "TargetGroupConfiguration",
}

// KindRank returns the position of kind in berth's ordering (unknown kinds last).
func KindRank(kind string) int {
	for i, k := range kindOrder {
		if k == kind {
			return i
		}
	}
	return len(kindOrder)
}

// Sort orders objects by kind rank, namespace and name.
func Sort(objs []Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		ka, kb := KindRank(a.GetObjectKind().GroupVersionKind().Kind), KindRank(b.GetObjectKind().GroupVersionKind().Kind)
		if ka != kb {
			return ka < kb
		}
		if a.GetNamespace() != b.GetNamespace() {
			return a.GetNamespace() < b.GetNamespace()
		}
		return a.GetName() < b.GetName()
	})
}

// objectMeta builds metadata with berth's standard labels for a component of app.
func objectMeta(name, namespace, app, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: Labels(app, component)}
}

// Labels are the recommended labels plus `app` for one component (service) of app.
func Labels(app, component string) map[string]string {
	l := map[string]string{
		LabelPartOf:    app,
		LabelManagedBy: ManagedBy,
	}
	if component != "" {
		l[LabelApp] = component
		l[LabelName] = component
	}
	return l
}

// Selector is the immutable pod selector of a component: only stable labels.
func Selector(app, component string) map[string]string {
	return map[string]string{LabelName: component, LabelPartOf: app}
}
