package convert

import (
	"fmt"
	"slices"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// ecsState is what the ECS concerns collect while the pods are built.
type ecsState struct {
	// external are the Secrets of externally stored variables, by Secret name.
	external map[string]*externalSecret
	// pull are the registry-credential Secrets, by name.
	pull map[string]pullSecret
}

// ecsObjects emits the app-level objects of an ECS app (secret stores, ExternalSecrets,
// their ServiceAccount) and applies the service-level settings the shared workload code does
// not know: EKS Fargate limits, field accounting.
func (b *builder) ecsObjects() {
	stores := map[string]bool{}
	b.externalObjects(stores)
	b.pullObjects(stores)
	for _, s := range sortedKeys(stores) {
		b.emit(b.secretStore(s))
	}
	if len(stores) > 0 {
		b.secretsAccountObject()
	}
	for _, svc := range b.app.Services {
		if pl := b.plans[svc.Name]; pl != nil {
			b.fargate(pl)
		}
	}
	// The ECS field table: what becomes of the ECS fields no rule consumes. Compose's fields
	// have their own table (account.go), applied by accountApp.
	if b.app.Source == model.ECS {
		b.accountECSPassive()
	}
}

// fargate reports what EKS Fargate forbids when the task required FARGATE.
func (b *builder) fargate(pl *plan) {
	svc := pl.Svc
	if !slices.Contains(svc.Compatibilities, "FARGATE") {
		return
	}
	field := svc.Paths.Of(model.KeyCompatibilities)
	var spec *corev1.PodSpec
	for _, o := range b.objs {
		if ps := PodSpec(o); ps != nil && o.GetName() == pl.Name {
			spec = ps
		}
	}
	if pl.Kind == model.KindDaemonSet {
		b.ledger.Warnf(svc.Name, field, "EKS Fargate runs no DaemonSets")
	}
	if spec == nil {
		return
	}
	if spec.HostNetwork {
		b.ledger.Warnf(svc.Name, field, "EKS Fargate forbids hostNetwork and hostPort")
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			b.ledger.Warnf(svc.Name, field, "EKS Fargate forbids hostPath volume %s", v.Name)
		}
	}
	for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			b.ledger.Warnf(svc.Name, field, "EKS Fargate forbids privileged container %s", c.Name)
		}
		if _, ok := c.Resources.Limits["nvidia.com/gpu"]; ok {
			b.ledger.Warnf(svc.Name, field, "EKS Fargate has no GPUs (container %s)", c.Name)
		}
	}
	b.ledger.Infof(svc.Name, field, "%s", fmt.Sprintf("on EKS Fargate, a Fargate profile must select namespace %s; pods are sized from the sum of their requests", b.ns))
}
