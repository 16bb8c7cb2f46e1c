package report

import (
	"path/filepath"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/podsecurity"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Resources are one container's requests and limits, canonical quantities.
type Resources struct {
	Container string `json:"container"`
	// Role is "init" for an init container (berth's dependency waits, ECS containers that
	// must finish first), "sidecar" for a restartable init container, "" for the others.
	Role     string `json:"role,omitempty"`
	CPU      string `json:"cpu,omitempty"`
	Memory   string `json:"memory,omitempty"`
	CPULimit string `json:"cpuLimit,omitempty"`
	MemLimit string `json:"memLimit,omitempty"`
}

// VolumeUse is one mount of a service and where its data must come from.
type VolumeUse struct {
	// Container is set when the service has more than one container (an ECS task).
	Container string `json:"container,omitempty"`
	Source    string `json:"source"`
	Target    string `json:"target"`
	Type      string `json:"type"`
	// Data says where the mount's data comes from in the cluster.
	Data string `json:"data"`
}

// workload fills in what the service's workload object says: its name, Pod Security grade
// and the requests and limits of its containers.
func workload(s *Service, o convert.Object, grader *podsecurity.Grader) {
	spec := convert.PodSpec(o)
	if spec == nil || s.Workload != "" {
		return
	}
	s.Workload = o.GetObjectKind().GroupVersionKind().Kind + "/" + o.GetName()
	if grader != nil {
		g := grader.Grade(podMeta(o), spec)
		s.PodSecurity = &g
	}
	for _, c := range spec.InitContainers {
		role := "init"
		if ptr.Deref(c.RestartPolicy, "") == corev1.ContainerRestartPolicyAlways {
			role = "sidecar"
		}
		s.Resources = append(s.Resources, resourcesOf(c, role))
	}
	for _, c := range spec.Containers {
		s.Resources = append(s.Resources, resourcesOf(c, ""))
	}
}

func resourcesOf(c corev1.Container, role string) Resources {
	return Resources{
		Container: c.Name, Role: role,
		CPU: qty(c.Resources.Requests, corev1.ResourceCPU), Memory: qty(c.Resources.Requests, corev1.ResourceMemory),
		CPULimit: qty(c.Resources.Limits, corev1.ResourceCPU), MemLimit: qty(c.Resources.Limits, corev1.ResourceMemory),
	}
}

func qty(l corev1.ResourceList, name corev1.ResourceName) string {
	if q, ok := l[name]; ok {
		return q.String()
	}
	return ""
}

// podMeta is the pod template metadata of a workload object (empty for other objects).
func podMeta(o convert.Object) *metav1.ObjectMeta {
	if t := convert.PodTemplate(o); t != nil {
		return &t.ObjectMeta
	}
	return &metav1.ObjectMeta{}
}

// volumes lists the mounts of every container of svc and where their data must come from.
func volumes(app *model.App, svc *model.Service) []VolumeUse {
	var out []VolumeUse
	for _, c := range svc.Containers {
		for _, m := range c.Mounts {
			v := VolumeUse{Source: m.Source, Target: m.Target, Type: string(m.Type), Data: dataOf(app, m)}
			if len(svc.Containers) > 1 {
				v.Container = c.Name
			}
			if m.Type == model.MountBind && app.Dir != "" {
				// Relative to the project, so the report is the same on every machine.
				if rel, err := filepath.Rel(app.Dir, m.Source); err == nil && filepath.IsLocal(rel) {
					v.Source = "./" + filepath.ToSlash(rel)
				}
			}
			out = append(out, v)
		}
	}
	return out
}

// dataOf says where a mount's data comes from in the cluster.
func dataOf(app *model.App, m model.Mount) string {
	switch m.Type {
	case model.MountVolume:
		if vol := app.Volume(m.Source); vol != nil && vol.Scratch {
			return "emptyDir: starts empty"
		}
		if vol := app.Volume(m.Source); vol != nil && vol.Cache {
			return "PersistentVolumeClaim: a cache the service fills itself (model weights): nothing to copy"
		}
		return "PersistentVolumeClaim: copy the volume's data before the switch"
	case model.MountBind:
		if len(m.Files) > 0 {
			return "bind mount: content from the project directory, in a ConfigMap"
		}
		if m.NotRead != "" {
			return "bind mount: not converted (" + m.NotRead + ")"
		}
		return "bind mount: not converted"
	case model.MountSecret:
		return "Secret"
	case model.MountConfig:
		return "ConfigMap"
	}
	return "emptyDir: starts empty"
}
