package convert

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestProbes(t *testing.T) {
	shell := []string{"/bin/sh", "-c", "curl -f localhost"}
	type probes struct{ Ready, Live, Start *corev1.Probe }
	probe := func(cmd []string, period, timeout, failures int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}},
			PeriodSeconds: period, TimeoutSeconds: timeout, FailureThreshold: failures, SuccessThreshold: 1}
	}
	for _, tc := range []struct {
		name string
		h    *model.Health
		want probes
	}{
		{"compose defaults", &model.Health{Type: model.HealthShell, Command: []string{"curl -f localhost"}},
			probes{probe(shell, 30, 30, 3), probe(shell, 30, 30, 6), nil}},
		{"exec argv kept as is", &model.Health{Type: model.HealthExec, Command: []string{"pg_isready", "-U", "a b"}, Interval: ptr.To(5 * time.Second), Timeout: ptr.To(2 * time.Second), Retries: ptr.To[int32](2)},
			probes{probe([]string{"pg_isready", "-U", "a b"}, 5, 2, 2), probe([]string{"pg_isready", "-U", "a b"}, 5, 2, 4), nil}},
		{"sub-second rounds up to 1", &model.Health{Type: model.HealthShell, Command: []string{"curl -f localhost"}, Interval: ptr.To(500 * time.Millisecond), Timeout: ptr.To(100 * time.Millisecond)},
			probes{probe(shell, 1, 1, 3), probe(shell, 1, 1, 6), nil}},
		{"start period becomes a startup probe", &model.Health{Type: model.HealthShell, Command: []string{"curl -f localhost"}, Interval: ptr.To(10 * time.Second), StartPeriod: ptr.To(61 * time.Second), StartInterval: ptr.To(10 * time.Second)},
			// window 10 × (11 − 1) = 100s ≥ 61 + 10 × 3 = 91s
			probes{probe(shell, 10, 30, 3), probe(shell, 10, 30, 6), probe(shell, 10, 30, 11)}},
		{"start period with the default start interval", &model.Health{Type: model.HealthShell, Command: []string{"curl -f localhost"}, StartPeriod: ptr.To(30 * time.Second)},
			// window 5 × (25 − 1) = 120s = 30 + 30 × 3: a slow first boot gets Compose's whole window
			probes{probe(shell, 30, 30, 3), probe(shell, 30, 30, 6), probe(shell, 5, 30, 25)}},
		{"disabled", &model.Health{Type: model.HealthNone}, probes{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := service("s", "acme/s:1", 1)
			s.Main().Health = tc.h
			tc.h.Field = "services.s.healthcheck"
			b := &builder{app: app(s), ledger: nil}
			b.ledger = newTestLedger()
			p := &pod{svc: s, Kind: model.KindDeployment, Name: "s", SpecPath: "spec.template.spec", Spec: &corev1.PodSpec{}}
			x := &ctr{M: s.Main(), K: &corev1.Container{}, Path: "containers[0]"}
			b.probes(p, x)
			got := probes{x.K.ReadinessProbe, x.K.LivenessProbe, x.K.StartupProbe}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("probes (-want +got):\n%s", diff)
			}
		})
	}
}

func newTestLedger() *diag.Ledger { return diag.NewLedger(nil) }
