package convert

import (
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// taskPod applies the task-level settings of a pod of several containers (an ECS task) to its
// pod: container layout accounting, the host network, a shared process namespace, links between
// its containers, the task role's ServiceAccount and registry credentials. A Compose service
// sets none of them.
func (b *builder) taskPod(p *pod) {
	svc := p.svc
	b.containerDependencies(p)
	if b.hostNetwork(svc) {
		p.Spec.HostNetwork = true
		p.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	if svc.PID == "task" { // ECS pidMode task: Compose's pid values are host and service:NAME
		p.Spec.ShareProcessNamespace = ptr.To(true)
	}
	if len(svc.PodLinks) > 0 && !b.hostNetwork(svc) {
		p.Spec.HostAliases = append(p.Spec.HostAliases, corev1.HostAlias{IP: "127.0.0.1", Hostnames: append([]string(nil), svc.PodLinks...)})
	}
	b.taskRole(p)
	b.pullSecrets(p)
}

// hostNetwork reports whether svc's pods use the node's network. This rule truly differs
// between the formats: an ECS task's networkMode host is how its containers own their
// hostPorts, so it becomes hostNetwork (docs/ecs.md); Compose's network_mode host is a local
// convenience berth does not carry into a cluster (dropped with a warning, docs/mapping.md).
func (b *builder) hostNetwork(svc *model.Service) bool {
	return b.app.Source == model.ECS && svc.NetworkMode == "host"
}
