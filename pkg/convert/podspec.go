package convert

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

// podTemplate builds the pod of pl: containers (with env, volumes, probes and fixes), the
// pod-level fields and the dependency-wait init containers.
func (b *builder) podTemplate(pl *plan) (*pod, error) {
	svc := pl.Svc
	// enableServiceLinks false: Kubernetes would inject <SERVICE>_PORT=tcp://... variables for
	// every Service in the namespace, which Compose never does and which clash with variables
	// apps read (REDIS_PORT, KAFKA_PORT, ...).
	p := &pod{svc: svc, Kind: pl.Kind, Name: pl.Name, SpecPath: specPath(pl.Kind),
		Spec: &corev1.PodSpec{EnableServiceLinks: ptr.To(false)}}
	in := make([]string, len(svc.Containers))
	for i, c := range svc.Containers {
		in[i] = c.Name
		if c.Name == "" {
			in[i] = svc.Name
		}
	}
	names := uniqueNames(in, maxLabel, "app")
	p.Paths = b.layout(svc)
	// Compose runs pre_start hooks once the dependencies are up: their init containers
	// follow the dependency waits (hooks.go)
	waitsFirst := hasPreStart(svc)
	if waitsFirst {
		if err := b.waits(pl, p); err != nil {
			return nil, err
		}
		p.Paths = shiftInits(p.Paths, len(p.Spec.InitContainers))
	}
	for ci := range svc.Containers {
		c := &svc.Containers[ci]
		x := b.container(pl, p, ci, c, names[in[ci]])
		if err := b.containerEnv(p, x); err != nil {
			return nil, err
		}
		if err := b.podVolumes(p, x); err != nil {
			return nil, err
		}
		b.fixes(p, x)
		b.probes(p, x)
		b.shm(p, x)
		b.place(p, x)
	}
	b.podFields(p)
	b.network(p)
	b.taskPod(p)
	if !waitsFirst {
		if err := b.waits(pl, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// podFields maps pod-level fields: annotations, grace period, platform, service account.
func (b *builder) podFields(p *pod) {
	svc := p.svc
	for _, kv := range svc.Labels {
		if errs := validation.IsQualifiedName(kv.Key); len(errs) > 0 {
			b.ledger.Dropped(svc.Name, kv.Field, fmt.Sprintf("label %q is not a valid annotation key: %s", kv.Key, errs[0]))
			continue
		}
		p.annotate(kv.Key, kv.Value)
		b.ledger.Mapped(svc.Name, kv.Field, p.metaTarget("annotations"))
	}
	for _, k := range sortedKeys(svc.Options.Annotations) {
		p.annotate(k, svc.Options.Annotations[k])
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.annotations", p.metaTarget("annotations"))
	}
	b.grace(p)
	b.platform(p)
	b.constraints(p)
	b.supplementalGroups(p)
	for _, k := range sortedKeys(svc.Options.NodeSelector) {
		p.nodeSelect(k, svc.Options.NodeSelector[k])
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.nodeSelector", p.target("nodeSelector"))
	}
	if sa := svc.Options.ServiceAccount; sa != "" {
		p.Spec.ServiceAccountName = sa
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.serviceAccount", p.target("serviceAccountName"))
	}
}

// grace maps the service's stop grace period (Compose stop_grace_period, the longest ECS
// stopTimeout) to terminationGracePeriodSeconds. Containers with a stop timeout of their own
// are accounted one by one: a pod has one grace period.
func (b *builder) grace(p *pod) {
	svc := p.svc
	if svc.StopGrace == nil {
		return
	}
	target := p.target("terminationGracePeriodSeconds")
	p.Spec.TerminationGracePeriodSeconds = gracePeriod(svc.StopGrace.Seconds())
	own := false
	for i := range svc.Containers {
		c := &svc.Containers[i]
		switch {
		case c.StopTimeout == nil:
			continue
		case *c.StopTimeout == *svc.StopGrace:
			b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyStopTimeout), target)
		default:
			b.ledger.Partial(svc.Name, c.Paths.Of(model.KeyStopTimeout), fmt.Sprintf(
				"a pod has one grace period: %s, the longest stop timeout of the task (ECS's default is 30 s), instead of %s for this container",
				*svc.StopGrace, *c.StopTimeout), target)
		}
		own = true
	}
	if !own {
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyStopGrace), target)
	}
}

// platform maps "os/arch[/variant]" to the well-known node labels.
func (b *builder) platform(p *pod) {
	svc := p.svc
	if svc.Platform == "" {
		return
	}
	parts := strings.Split(svc.Platform, "/")
	field := svc.Paths.All(model.KeyPlatform)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		b.droppedAt(svc.Name, field, fmt.Sprintf("platform %q is not os/arch", svc.Platform))
		return
	}
	p.nodeSelect("kubernetes.io/os", parts[0])
	p.nodeSelect("kubernetes.io/arch", parts[1])
	if len(parts) > 2 {
		b.partialAt(svc.Name, field, fmt.Sprintf("variant %q has no node label: only os and arch are selected", parts[2]), p.target("nodeSelector"))
		return
	}
	b.mappedAt(svc.Name, field, p.target("nodeSelector"))
}

// shm mounts a memory-backed emptyDir at /dev/shm for shm_size (Docker's default is 64Mi,
// the container runtime's too; a larger size needs this volume).
func (b *builder) shm(p *pod, x *ctr) {
	if x.M.ShmSize <= 0 {
		return
	}
	name := "dshm"
	if len(p.Spec.Containers) > 0 {
		name = fmt.Sprintf("dshm-%d", len(p.Spec.Containers))
	}
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: memory(x.M.ShmSize)}}})
	x.K.VolumeMounts = append(x.K.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/dev/shm"})
	b.ledger.Mapped(p.svc.Name, x.M.Paths.Of(model.KeyShmSize), p.target("volumes"), p.ctarget(x, "volumeMounts"))
}

// annotate sets a pod template annotation.
func (p *pod) annotate(k, v string) {
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[k] = v
}

// nodeSelect sets a nodeSelector entry.
func (p *pod) nodeSelect(k, v string) {
	if p.Spec.NodeSelector == nil {
		p.Spec.NodeSelector = map[string]string{}
	}
	p.Spec.NodeSelector[k] = v
}

// metaTarget names a field of the pod template's metadata.
func (p *pod) metaTarget(sub string) string {
	return fmt.Sprintf("%s/%s %s.%s", p.Kind, p.Name, strings.TrimSuffix(p.SpecPath, ".spec")+".metadata", sub)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
