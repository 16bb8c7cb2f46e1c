package convert

import (
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/podsecurity"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Default requests of containers whose input names neither a request nor a limit for the
// resource: without any request a pod is BestEffort, the first evicted under node pressure,
// and the scheduler packs it anywhere. Documented in docs/usage.md (production defaults) and
// docs/mapping.md.
const (
	DefaultCPURequest    = "100m"
	DefaultMemoryRequest = "128Mi"
	// Init containers' defaults.
	DefaultInitCPURequest    = "10m"
	DefaultInitMemoryRequest = "32Mi"
)

// Topology keys the replicas of a scaled workload are spread over.
const (
	zoneKey     = "topology.kubernetes.io/zone"
	hostnameKey = "kubernetes.io/hostname"
)

// production is the last pass over the built workloads: default requests, disruption
// budgets, topology spread and the Pod Security Standards grade (an info per workload). It runs per service in input order, so its objects
// and diagnostics are deterministic.
func (b *builder) production() {
	byName := map[string]Object{}
	for _, o := range b.objs {
		byName[o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName()] = o
	}
	grader, err := podsecurity.New()
	if err != nil {
		b.ledger.Warnf("", "", "pods are not graded against the Pod Security Standards: %v", err)
	}
	for _, svc := range b.app.Services {
		pl := b.plans[svc.Name]
		if pl == nil {
			continue
		}
		o := byName[string(pl.Kind)+"/"+pl.Name]
		spec := PodSpec(o)
		if spec == nil {
			continue
		}
		b.defaultRequests(svc, spec)
		scaled := replicasOf(o) > 1
		if autoscaled(pl) {
			scaled = svc.Options.Autoscale.Max > 1
		}
		if scaled {
			b.disruptionBudget(pl, o, spec)
		}
		if b.opts.Harden {
			b.harden(svc, spec)
		}
		if grader != nil {
			g := grader.Grade(podMetaOf(o), spec)
			b.ledger.Infof(svc.Name, svc.Field, "Pod Security Standards: %s/%s meets %s", pl.Kind, pl.Name, g)
		}
	}
}

// PodSpec returns the pod spec of a workload object (Deployment, StatefulSet, DaemonSet, Job,
// CronJob), nil for other objects.
func PodSpec(o Object) *corev1.PodSpec {
	if t := PodTemplate(o); t != nil {
		return &t.Spec
	}
	return nil
}

// PodTemplate returns the pod template of a workload object (Deployment, StatefulSet,
// DaemonSet, Job, CronJob), nil for other objects.
func PodTemplate(o Object) *corev1.PodTemplateSpec {
	switch w := o.(type) {
	case *appsv1.Deployment:
		return &w.Spec.Template
	case *appsv1.StatefulSet:
		return &w.Spec.Template
	case *appsv1.DaemonSet:
		return &w.Spec.Template
	case *batchv1.Job:
		return &w.Spec.Template
	case *batchv1.CronJob:
		return &w.Spec.JobTemplate.Spec.Template
	}
	return nil
}

// podMetaOf returns the pod template metadata of a workload object (PodSpec's sibling).
func podMetaOf(o Object) *metav1.ObjectMeta {
	if t := PodTemplate(o); t != nil {
		return &t.ObjectMeta
	}
	return nil
}

// replicasOf is the replica count of a Deployment or StatefulSet, 0 for other objects.
func replicasOf(o Object) int32 {
	switch w := o.(type) {
	case *appsv1.Deployment:
		return ptr.Deref(w.Spec.Replicas, 1)
	case *appsv1.StatefulSet:
		return ptr.Deref(w.Spec.Replicas, 1)
	}
	return 0
}

// defaultRequests gives every container a CPU and memory request when the input sets neither
// a request nor a limit for it, and says so as an info. Init containers (berth's dependency
// waits, mostly) get the smaller init defaults: they run before the main containers, so the
// pod's request is the larger of the two, and a wait loop needs little.
func (b *builder) defaultRequests(svc *model.Service, spec *corev1.PodSpec) {
	fillRequests(spec.InitContainers, DefaultInitCPURequest, DefaultInitMemoryRequest)
	named := fillRequests(spec.Containers, DefaultCPURequest, DefaultMemoryRequest)
	if len(named) == 0 {
		return
	}
	b.ledger.Infof(svc.Name, svc.Field,
		"no request in the input for %s: requested by default (%s CPU, %s memory) so the pods are not BestEffort (set the service's resources to choose)",
		strings.Join(named, ", "), DefaultCPURequest, DefaultMemoryRequest)
}

// fillRequests sets the cpu and memory requests of the containers that have neither a request
// nor a limit for them, and returns what it set, as "container (CPU, memory)".
func fillRequests(cs []corev1.Container, cpu, mem string) []string {
	var named []string
	for i := range cs {
		c := &cs[i]
		var added []string
		for _, d := range []struct {
			name  corev1.ResourceName
			label string
			def   string
		}{{corev1.ResourceCPU, "CPU", cpu}, {corev1.ResourceMemory, "memory", mem}} {
			_, req := c.Resources.Requests[d.name]
			_, lim := c.Resources.Limits[d.name]
			if req || lim {
				continue
			}
			if c.Resources.Requests == nil {
				c.Resources.Requests = corev1.ResourceList{}
			}
			c.Resources.Requests[d.name] = resource.MustParse(d.def)
			added = append(added, d.label)
		}
		if len(added) > 0 {
			named = append(named, c.Name+" ("+strings.Join(added, ", ")+")")
		}
	}
	return named
}

// disruptionBudget keeps all but one replica of a scaled workload up during voluntary
// disruptions (node drains, upgrades) and spreads the replicas over zones and nodes, as
// best effort so a single-zone cluster still schedules them.
func (b *builder) disruptionBudget(pl *plan, o Object, spec *corev1.PodSpec) {
	sel := Selector(b.app.Name, pl.Name)
	b.emit(&policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: objectMeta(pl.Name, b.ns, b.app.Name, pl.Name),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: sel},
		},
	})
	if len(spec.TopologySpreadConstraints) > 0 {
		return
	}
	var keys []string
	if _, ok := o.(*appsv1.Deployment); ok {
		// Count only the pods of the current revision, so a rollout spreads its new pods too.
		keys = []string{appsv1.DefaultDeploymentUniqueLabelKey}
	}
	for _, key := range []string{zoneKey, hostnameKey} {
		spec.TopologySpreadConstraints = append(spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector:  &metav1.LabelSelector{MatchLabels: Selector(b.app.Name, pl.Name)},
			MatchLabelKeys: keys,
		})
	}
}
