package convert

import (
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// ecsPod applies the task-level settings of an ECS task to its pod: container layout
// accounting, networkMode host, pidMode task, links, the task role's ServiceAccount and
// registry credentials.
func (b *builder) ecsPod(p *pod) {
	if b.app.Source != model.ECS {
		return
	}
	svc := p.svc
	b.ecsDependencies(p)
	if svc.NetworkMode == "host" {
		p.Spec.HostNetwork = true
		p.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	if svc.PID == "task" {
		p.Spec.ShareProcessNamespace = ptr.To(true)
	}
	if len(svc.Links) > 0 && svc.NetworkMode != "host" {
		p.Spec.HostAliases = append(p.Spec.HostAliases, corev1.HostAlias{IP: "127.0.0.1", Hostnames: append([]string(nil), svc.Links...)})
	}
	b.taskRole(p)
	b.pullSecrets(p)
}
