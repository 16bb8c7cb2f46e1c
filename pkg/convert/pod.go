package convert

import (
	"fmt"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// pod is the pod template being built for one service. Concern files (env, volumes, probes,
// waits) fill it in and use its paths for ledger targets.
type pod struct {
	svc *model.Service
	// Kind is the workload kind decided for the service (never KindAuto).
	Kind model.Kind
	// Name is the workload object's name (the sanitized service name).
	Name string
	// SpecPath is the field path of the pod spec inside the workload object,
	// e.g. "spec.template.spec" or "spec.jobTemplate.spec.template.spec".
	SpecPath string
	Spec     *corev1.PodSpec
	// Paths, when set, place container i at Paths[i] ("initContainers[k]" for ECS sidecars
	// and run-to-completion containers, see sidecar.go); default "containers[i]".
	Paths []string
	// Annotations go on the pod template's metadata.
	Annotations map[string]string
}

// target names a field of the pod spec for the ledger: "Deployment/web spec.template.spec.<sub>".
func (p *pod) target(sub string) string {
	if sub == "" {
		return fmt.Sprintf("%s/%s %s", p.Kind, p.Name, p.SpecPath)
	}
	return fmt.Sprintf("%s/%s %s.%s", p.Kind, p.Name, p.SpecPath, sub)
}

// ctr is one model container and the Kubernetes container built from it.
type ctr struct {
	M *model.Container
	K *corev1.Container
	// Path is the container's path inside the pod spec: "containers[0]" or "initContainers[1]".
	Path string
}

// target names a field of the container for the ledger.
func (p *pod) ctarget(c *ctr, sub string) string {
	if sub == "" {
		return p.target(c.Path)
	}
	return p.target(c.Path + "." + sub)
}
