package convert

import (
	"fmt"

	"github.com/berth-dev/berth/pkg/model"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// autoscale emits a HorizontalPodAutoscaler for x-berth.autoscale on a Deployment or
// StatefulSet. Utilisation targets are percentages of the containers' requests; every container
// requests CPU and memory (its own, or the defaults of production.go).
func (b *builder) autoscale(pl *plan, p *pod) {
	a, svc := pl.Svc.Options.Autoscale, pl.Svc
	if a == nil {
		return
	}
	field := svc.Field + ".x-berth.autoscale"
	if pl.Kind != model.KindDeployment && pl.Kind != model.KindStatefulSet {
		b.ledger.Dropped(svc.Name, field, fmt.Sprintf("autoscale needs a Deployment or StatefulSet, not a %s", pl.Kind))
		return
	}
	minReplicas := a.Min
	if minReplicas < 1 {
		minReplicas = 1
	}
	if a.Max < minReplicas {
		b.ledger.Dropped(svc.Name, field, fmt.Sprintf("autoscale max %d is below min %d", a.Max, minReplicas))
		return
	}
	cpu := a.CPU
	if cpu == 0 && a.Memory == 0 {
		cpu = 80
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   typeMeta("autoscaling/v2", "HorizontalPodAutoscaler"),
		ObjectMeta: objectMeta(pl.Name, b.ns, b.app.Name, pl.Name),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: string(pl.Kind), Name: pl.Name},
			MinReplicas:    ptr.To(minReplicas),
			MaxReplicas:    a.Max,
		},
	}
	for _, t := range []struct {
		name    corev1.ResourceName
		percent int32
	}{{corev1.ResourceCPU, cpu}, {corev1.ResourceMemory, a.Memory}} {
		if t.percent <= 0 {
			continue
		}
		hpa.Spec.Metrics = append(hpa.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: t.name,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(t.percent)}}})
	}
	b.emit(hpa)
	b.ledger.Mapped(svc.Name, field, "HorizontalPodAutoscaler/"+pl.Name)
}

// autoscaled reports whether pl gets a HorizontalPodAutoscaler (then the workload leaves
// spec.replicas to it: every apply would otherwise reset the scale the autoscaler chose).
func autoscaled(pl *plan) bool {
	a := pl.Svc.Options.Autoscale
	return a != nil && (pl.Kind == model.KindDeployment || pl.Kind == model.KindStatefulSet) && a.Max >= max(1, a.Min)
}
