package convert

import (
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// The kubelet expands $(VAR) in command, args and exec probes; Compose does not. Whatever the
// Compose file passes must reach the container literally.
func TestCommandArgsAndProbesAreNotExpanded(t *testing.T) {
	s := service("s", "acme/s:1", 1)
	m := s.Main()
	m.Command = []string{"sh", "-c"}
	m.Args = []string{"echo $(date) $$HOME $PATH"}
	m.Health = &model.Health{Type: model.HealthShell, Command: []string{"test $(cat /tmp/ok) = 1"}, Field: "services.s.healthcheck"}
	b := &builder{app: app(s), ledger: newTestLedger()}
	p := &pod{svc: s, Kind: model.KindDeployment, Name: "s", SpecPath: "spec.template.spec", Spec: &corev1.PodSpec{}}
	x := &ctr{M: m, K: &corev1.Container{}, Path: "containers[0]"}
	b.commandArgs(p, x)
	b.probes(p, x)
	if diff := cmp.Diff([]string{"sh", "-c"}, x.K.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"echo $$(date) $$$HOME $PATH"}, x.K.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	want := []string{"/bin/sh", "-c", "test $$(cat /tmp/ok) = 1"}
	if diff := cmp.Diff(want, x.K.ReadinessProbe.Exec.Command); diff != "" {
		t.Errorf("readiness probe (-want +got):\n%s", diff)
	}
	// The kubelet's expansion of what berth wrote gives back the Compose text.
	for i, a := range x.K.Args {
		if got := expand(a, func(string) string { return "EXPANDED" }); got != m.Args[i] {
			t.Errorf("kubelet sees %q, want %q", got, m.Args[i])
		}
	}
}
