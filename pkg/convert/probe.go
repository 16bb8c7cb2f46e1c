package convert

import (
	"math"
	"time"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// Compose healthcheck defaults (Docker Engine): interval 30s, timeout 30s, retries 3,
// start_period 0, start_interval 5s.
const (
	defaultInterval      = 30 * time.Second
	defaultTimeout       = 30 * time.Second
	defaultRetries       = 3
	defaultStartInterval = 5 * time.Second
)

// probes maps a healthcheck to probes. Readiness mirrors the healthcheck exactly: an
// unhealthy container leaves the Service endpoints, as Compose marks it unhealthy. Liveness
// runs the same check but tolerates twice as many failures: restarting a slow-but-alive
// container under load turns a brownout into an outage, so kubelet only kills it after it has
// been out of rotation for a while (and never before Compose would call it unhealthy:
// interval × (2 × retries − 1) ≥ interval × retries). start_period becomes a startupProbe
// checking every start_interval, which holds both off until the first success, as Compose
// ignores failures during the start period; it gives up no earlier than start_period +
// interval × retries (startupFailures).
func (b *builder) probes(p *pod, x *ctr) {
	h, svc := x.M.Health, p.svc
	if h == nil {
		return
	}
	if h.Type == model.HealthNone || len(h.Command) == 0 {
		b.ledger.Ignored(svc.Name, h.Field, "healthcheck disabled: no probes")
		return
	}
	cmd, self := localProbe(b.healthCommand(p, x, h), b.selfNames(svc))
	if self {
		b.ledger.Infof(svc.Name, h.Field, "the healthcheck dials the service by its own name: the probes dial localhost (a pod is behind its Service only once it is Ready)")
	}
	handler := corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}
	interval, timeout := orDefault(h.Interval, defaultInterval), orDefault(h.Timeout, defaultTimeout)
	retries := int32(defaultRetries)
	if h.Retries != nil && *h.Retries > 0 {
		retries = *h.Retries
	}
	ready := &corev1.Probe{ProbeHandler: handler, PeriodSeconds: seconds(interval), TimeoutSeconds: seconds(timeout),
		FailureThreshold: retries, SuccessThreshold: 1}
	live := ready.DeepCopy()
	live.FailureThreshold = 2 * retries
	x.K.ReadinessProbe, x.K.LivenessProbe = ready, live
	targets := []string{p.ctarget(x, "readinessProbe"), p.ctarget(x, "livenessProbe")}
	if h.StartPeriod != nil && *h.StartPeriod > 0 {
		start := ready.DeepCopy()
		start.PeriodSeconds = seconds(orDefault(h.StartInterval, defaultStartInterval))
		start.FailureThreshold = startupFailures(seconds(*h.StartPeriod), ready.PeriodSeconds, retries, start.PeriodSeconds)
		x.K.StartupProbe = start
		targets = append(targets, p.ctarget(x, "startupProbe"))
	}
	b.ledger.Mapped(svc.Name, h.Field, targets...)
}

// startupFailures is the startupProbe's failureThreshold for a healthcheck with start_period
// startPeriod, interval and retries (whole seconds) checked every `every` seconds. Compose
// calls the container unhealthy no earlier than start_period + interval × retries after it
// started (and never kills it); the kubelet kills it after failureThreshold failures in a row,
// the first at start, so it survives periodSeconds × (failureThreshold − 1). The threshold
// makes that window at least Compose's: a slow first boot that Compose waits for survives.
func startupFailures(startPeriod, interval, retries, every int32) int32 {
	window := int64(startPeriod) + int64(interval)*int64(retries)
	n := (window+int64(every)-1)/int64(every) + 1
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(n)
}

// healthCommand is the exec argv: CMD as is, CMD-SHELL through /bin/sh -c. A secret value in
// the command is read from the container's variable through the shell, never written out
// (secrets.go); a CMD healthcheck holding one runs through /bin/sh -c then, which the image
// must have.
func (b *builder) healthCommand(p *pod, x *ctr, h *model.Health) []string {
	ci := containerIndex(p.svc, x.M)
	if h.Type == model.HealthShell {
		cmd, _ := b.refShell(p.svc, ci, h.Command[0])
		return []string{"/bin/sh", "-c", escapeExpansion(cmd)}
	}
	if cmd, ok := b.refExecProbe(p.svc, ci, h.Command); ok {
		b.ledger.Infof(p.svc.Name, h.Field, "the healthcheck holds a secret value: the probe reads it from the "+
			"container's environment through /bin/sh -c, which the image must provide")
		return []string{"/bin/sh", "-c", escapeExpansion(cmd)}
	}
	return escapeAll(h.Command)
}

// orDefault returns *d, or def when d is nil or not positive.
func orDefault(d *time.Duration, def time.Duration) time.Duration {
	if d == nil || *d <= 0 {
		return def
	}
	return *d
}

// seconds rounds a duration up to whole seconds, at least 1 (Kubernetes' minimum).
func seconds(d time.Duration) int32 {
	s := int32(math.Ceil(d.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}
