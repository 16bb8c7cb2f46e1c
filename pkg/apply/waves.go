package apply

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Waves, applied in order; the objects of one wave are applied in parallel.
const (
	WaveNamespaces = iota // Namespace, CustomResourceDefinition, cluster-wide settings
	WaveIdentity          // ServiceAccount, RBAC
	WaveConfig            // ConfigMap, Secret, PVC and other storage
	WaveServices          // Service
	WaveWorkloads         // Deployment, StatefulSet, DaemonSet, Job, CronJob, autoscalers
	WaveEdge              // Ingress, NetworkPolicy, PDB, Gateway routes, custom resources
	waveCount
)

// waveOf assigns a kind to its wave. Unknown kinds (custom resources) go last: their CRDs and
// whatever they reference come first.
func waveOf(kind string) int {
	switch kind {
	case "Namespace", "CustomResourceDefinition", "PriorityClass", "StorageClass", "IngressClass", "RuntimeClass":
		return WaveNamespaces
	case "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
		return WaveIdentity
	case "ConfigMap", "Secret", "PersistentVolumeClaim", "PersistentVolume", "SecretStore", "ClusterSecretStore",
		"ExternalSecret", "LimitRange", "ResourceQuota":
		return WaveConfig
	case "Service", "Endpoints", "EndpointSlice":
		return WaveServices
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod", "ReplicationController",
		"HorizontalPodAutoscaler":
		return WaveWorkloads
	default:
		return WaveEdge
	}
}

// lessObj orders objects by wave, kind, namespace and name.
func lessObj(a, b *unstructured.Unstructured) bool {
	if wa, wb := waveOf(a.GetKind()), waveOf(b.GetKind()); wa != wb {
		return wa < wb
	}
	if a.GetKind() != b.GetKind() {
		return a.GetKind() < b.GetKind()
	}
	if a.GetNamespace() != b.GetNamespace() {
		return a.GetNamespace() < b.GetNamespace()
	}
	return a.GetName() < b.GetName()
}
