package convert

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// randomHealth draws a healthcheck: each duration unset, sub-second, or up to an hour; retries
// unset, 0 or up to 20.
func randomHealth(r *rand.Rand) *model.Health {
	d := func(max time.Duration) *time.Duration {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			x := time.Duration(r.Int64N(int64(time.Second)))
			return &x
		}
		x := time.Duration(r.Int64N(int64(max)))
		return &x
	}
	h := &model.Health{Type: model.HealthShell, Command: []string{"true"}, Field: "services.s.healthcheck",
		Interval: d(10 * time.Minute), Timeout: d(2 * time.Minute), StartPeriod: d(time.Hour), StartInterval: d(time.Minute)}
	if r.IntN(3) > 0 {
		n := int32(r.IntN(21))
		h.Retries = &n
	}
	return h
}

// window is how long the kubelet lets a probe fail before acting: the first check runs at
// once, so failureThreshold failures in a row take periodSeconds × (failureThreshold − 1).
func window(p *corev1.Probe) time.Duration {
	return time.Duration(p.PeriodSeconds) * time.Duration(p.FailureThreshold-1) * time.Second
}

// TestProbesNoStricterThanCompose checks, on 20 000 random healthchecks, the rule of
// docs/mapping.md: the startup window is at least start_period + interval × retries (Compose's
// earliest "unhealthy" for a container that never succeeds), liveness never acts before
// Compose's interval × retries nor with a shorter timeout, readiness mirrors the healthcheck.
func TestProbesNoStricterThanCompose(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	for i := 0; i < 20000; i++ {
		h := randomHealth(r)
		s := service("s", "acme/s:1", 1)
		s.Main().Health = h
		b := &builder{app: app(s), ledger: newTestLedger()}
		p := &pod{svc: s, Kind: model.KindDeployment, Name: "s", SpecPath: "spec.template.spec", Spec: &corev1.PodSpec{}}
		x := &ctr{M: s.Main(), K: &corev1.Container{}, Path: "containers[0]"}
		b.probes(p, x)
		interval, timeout := orDefault(h.Interval, defaultInterval), orDefault(h.Timeout, defaultTimeout)
		retries := time.Duration(defaultRetries)
		if h.Retries != nil && *h.Retries > 0 {
			retries = time.Duration(*h.Retries)
		}
		unhealthy := interval * retries
		ready, live, start := x.K.ReadinessProbe, x.K.LivenessProbe, x.K.StartupProbe
		if ready == nil || live == nil {
			t.Fatalf("%+v: no readiness or liveness probe", h)
		}
		if time.Duration(ready.PeriodSeconds)*time.Second < interval || time.Duration(ready.FailureThreshold) != retries {
			t.Errorf("%+v: readiness period %ds × %d does not mirror interval %v × retries %d", h, ready.PeriodSeconds, ready.FailureThreshold, interval, retries)
		}
		if window(live) < unhealthy {
			t.Errorf("%+v: liveness acts after %v, before Compose calls the container unhealthy (%v)", h, window(live), unhealthy)
		}
		if time.Duration(live.TimeoutSeconds)*time.Second < timeout {
			t.Errorf("%+v: liveness timeout %ds is shorter than the healthcheck's %v", h, live.TimeoutSeconds, timeout)
		}
		sp := time.Duration(0)
		if h.StartPeriod != nil && *h.StartPeriod > 0 {
			sp = *h.StartPeriod
		}
		switch {
		case sp == 0 && start != nil:
			t.Errorf("%+v: a startup probe without start_period", h)
		case sp > 0 && start == nil:
			t.Errorf("%+v: start_period %v but no startup probe", h, sp)
		case sp > 0 && window(start) < sp+unhealthy:
			t.Errorf("%+v: the startup probe gives up after %v, before start_period + interval × retries = %v", h, window(start), sp+unhealthy)
		}
	}
}
