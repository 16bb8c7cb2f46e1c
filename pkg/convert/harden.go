package convert

import (
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// harden applies the Pod Security restricted profile to a pod spec where the input does not
// contradict it, and reports each change as an info:
//   - capabilities drop ALL, unless the container adds capabilities (cap_add keeps Docker's
//     default set semantics, which dropping ALL would change) or is privileged;
//   - allowPrivilegeEscalation false, unless the container is privileged;
//   - seccomp RuntimeDefault on the pod, unless the pod or a container names another profile;
//   - runAsNonRoot, only when the container's user is known numeric and not root.
func (b *builder) harden(svc *model.Service, spec *corev1.PodSpec) {
	var changes []string
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			if c := hardenContainer(&cs[i], spec.SecurityContext); len(c) > 0 {
				changes = append(changes, "container "+cs[i].Name+": "+strings.Join(c, ", "))
			}
		}
	}
	if seccompUnset(spec) {
		if spec.SecurityContext == nil {
			spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
		changes = append(changes, "pod: seccompProfile RuntimeDefault")
	}
	if len(changes) > 0 {
		b.ledger.Infof(svc.Name, svc.Field, "--harden: %s", strings.Join(changes, "; "))
	}
}

// hardenContainer hardens one container and returns what it changed.
func hardenContainer(c *corev1.Container, pod *corev1.PodSecurityContext) []string {
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	sc := c.SecurityContext
	var changes []string
	if sc.Capabilities == nil {
		sc.Capabilities = &corev1.Capabilities{}
	}
	privileged := ptr.Deref(sc.Privileged, false)
	if len(sc.Capabilities.Add) == 0 && !privileged && !dropsAll(sc.Capabilities.Drop) {
		sc.Capabilities.Drop = []corev1.Capability{"ALL"}
		changes = append(changes, "capabilities.drop [ALL]")
	}
	if !privileged && sc.AllowPrivilegeEscalation == nil {
		sc.AllowPrivilegeEscalation = ptr.To(false)
		changes = append(changes, "allowPrivilegeEscalation false")
	}
	user := sc.RunAsUser
	if user == nil && pod != nil {
		user = pod.RunAsUser
	}
	nonRoot := sc.RunAsNonRoot
	if nonRoot == nil && pod != nil {
		nonRoot = pod.RunAsNonRoot
	}
	if nonRoot == nil && user != nil && *user > 0 {
		sc.RunAsNonRoot = ptr.To(true)
		changes = append(changes, "runAsNonRoot true")
	}
	if len(sc.Capabilities.Add)+len(sc.Capabilities.Drop) == 0 {
		sc.Capabilities = nil
	}
	if *sc == (corev1.SecurityContext{}) {
		c.SecurityContext = nil
	}
	return changes
}

func dropsAll(caps []corev1.Capability) bool {
	for _, c := range caps {
		if strings.EqualFold(string(c), "ALL") {
			return true
		}
	}
	return false
}

// seccompUnset reports whether the pod names no seccomp profile and no container names one
// other than RuntimeDefault (berth's wait containers do), so a pod-level RuntimeDefault
// contradicts nothing.
func seccompUnset(spec *corev1.PodSpec) bool {
	if spec.SecurityContext != nil && spec.SecurityContext.SeccompProfile != nil {
		return false
	}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil &&
				c.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				return false
			}
		}
	}
	return true
}
