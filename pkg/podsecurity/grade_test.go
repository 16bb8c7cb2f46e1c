package podsecurity

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// restricted is a pod spec meeting the restricted standard as the standard's documentation
// spells it out: non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault.
func restricted() corev1.PodSpec {
	return corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "app", Image: "app:1", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
	}
}

// The expected levels come from the Pod Security Standards page, not from the library:
// the test fails if grading wires the library wrongly (levels swapped, wrong version).
func TestGrade(t *testing.T) {
	g, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*corev1.PodSpec)
		level  string
		reason string // a substring of the first violation of the failing standard
	}{
		{"restricted", func(*corev1.PodSpec) {}, "restricted", ""},
		{"plain container", func(s *corev1.PodSpec) { s.SecurityContext, s.Containers[0].SecurityContext = nil, nil },
			"baseline", "allowPrivilegeEscalation"},
		{"NET_ADMIN added", func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}, "privileged", "non-default capabilities"},
		{"NET_BIND_SERVICE added", func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
		}, "restricted", ""},
		{"privileged", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.Privileged = ptr.To(true) },
			"privileged", "privileged"},
		{"hostPath", func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}}}
		}, "privileged", "hostPath volumes"},
		{"host network", func(s *corev1.PodSpec) { s.HostNetwork = true }, "privileged", "host namespaces"},
		{"root user", func(s *corev1.PodSpec) { s.SecurityContext.RunAsUser = ptr.To[int64](0) }, "baseline", "runAsUser=0"},
		{"no seccomp", func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }, "baseline", "seccompProfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := restricted()
			tt.mutate(&spec)
			got := g.Grade(&metav1.ObjectMeta{}, &spec)
			if got.Level != tt.level {
				t.Fatalf("level = %s, want %s (%s)", got.Level, tt.level, got)
			}
			var first []string
			switch tt.level {
			case "privileged":
				first = got.Baseline
			case "baseline":
				first = got.Restricted
			}
			if tt.reason == "" {
				if len(got.Baseline)+len(got.Restricted) > 0 {
					t.Errorf("violations %s, want none", got)
				}
				return
			}
			if len(first) == 0 || !strings.Contains(strings.Join(first, "; "), tt.reason) {
				t.Errorf("violations %q, want one naming %q", first, tt.reason)
			}
		})
	}
}
