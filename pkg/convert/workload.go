package convert

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

// revisionHistory is how many old ReplicaSets/ControllerRevisions a workload keeps: enough
// for `kubectl rollout undo`, without the default 10 objects per workload piling up in etcd.
const revisionHistory = 3

// plan is what berth decided for one service before building it: every service's plan exists
// before any is built, so dependents can look at their dependencies' kinds and ports.
type plan struct {
	Svc  *model.Service
	Name string
	Kind model.Kind
	// Why says how the kind was chosen (ledger reason for the kind decision).
	Why   string
	Ports []*listenPort
	// viaIngress are the published ports an Ingress routes, viaLB those a LoadBalancer or
	// NodePort Service publishes (ingress.go).
	viaIngress, viaLB []*listenPort
	// waits are the dependency waits of its pods (wait.go).
	waits []waitRef
}

// public reports whether the service publishes any port.
func (pl *plan) public() bool {
	for _, lp := range pl.Ports {
		if len(lp.Published) > 0 {
			return true
		}
	}
	return false
}

// planAll decides kind and ports of every service.
func (b *builder) planAll() error {
	for _, s := range b.app.Services {
		if len(s.Containers) == 0 {
			return b.ledger.Errorf(s.Name, s.Field, "service has no container")
		}
		if s.Replicas != nil && *s.Replicas < 0 {
			return b.ledger.Errorf(s.Name, s.Paths.Of(model.KeyReplicas), "replicas must not be negative (got %d)", *s.Replicas)
		}
	}
	b.plans = make(map[string]*plan, len(b.app.Services))
	b.refs = b.auditDials()
	completed := map[string]bool{}
	for _, s := range b.app.Services {
		for _, d := range s.DependsOn {
			if d.Condition == model.ConditionCompleted || d.Condition == model.ConditionComplete {
				completed[d.Service] = true
			}
		}
	}
	for _, s := range b.app.Services {
		pl := &plan{Svc: s, Name: b.name(s.Name), Ports: b.servicePorts(s)}
		listens := b.listens(s, pl.Ports)
		pl.Kind, pl.Why = b.decideKind(s, listens, completed[s.Name])
		if !listens && jobKind(pl.Kind) {
			pl.Ports = nil // its image's ports, which its command does not serve: no Service
		}
		b.plans[s.Name] = pl
	}
	b.reportConnections()
	b.warnDockerDNS()
	return nil
}

// decideKind chooses the workload kind of svc, with the reason.
func (b *builder) decideKind(svc *model.Service, listens, awaited bool) (model.Kind, string) {
	switch {
	case svc.Options.Schedule != "":
		return model.KindCronJob, "x-berth.schedule"
	case svc.Trigger != nil:
		return model.KindCronJob, "a Compose job"
	case svc.Options.Kind != model.KindAuto:
		return svc.Options.Kind, "x-berth.kind"
	case svc.Kind != model.KindAuto:
		return svc.Kind, "input kind"
	case svc.Global:
		return model.KindDaemonSet, "deploy.mode global: one pod per node"
	case awaited:
		return model.KindJob, "other services wait for it to complete successfully"
	case (svc.Restart == model.RestartNo || svc.Restart == model.RestartOnFailure) && !listens && !interactive(svc):
		return model.KindJob, fmt.Sprintf("restart %q and no listening port: a one-shot task", svc.Restart)
	case svc.Restart == model.RestartDefault && !listens && b.oneShot(svc) != "":
		return model.KindJob, fmt.Sprintf("no restart policy (Compose's default is \"no\"), no listening port and a command that runs to completion (%s)", b.oneShot(svc))
	case b.stateful(svc):
		return model.KindStatefulSet, "a named volume holding a database/queue's state"
	}
	return model.KindDeployment, ""
}

// stateful reports whether svc runs a known stateful image on a named volume.
func (b *builder) stateful(svc *model.Service) bool {
	info, _, ok := b.containerImage(svc.Main())
	if !ok || !info.Stateful {
		return false
	}
	for _, m := range svc.Main().Mounts {
		if m.Type == model.MountVolume {
			if v := b.volumeNamed(m.Source); v == nil || !v.Scratch {
				return true
			}
		}
	}
	return false
}

// specPath is the path of the pod spec inside a workload of kind.
func specPath(kind model.Kind) string {
	if kind == model.KindCronJob {
		return "spec.jobTemplate.spec.template.spec"
	}
	return "spec.template.spec"
}

// workload emits the workload object for a built pod.
func (b *builder) workload(pl *plan, p *pod) error {
	svc := pl.Svc
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: Labels(b.app.Name, pl.Name), Annotations: p.Annotations},
		Spec:       *p.Spec,
	}
	meta := objectMeta(pl.Name, b.ns, b.app.Name, pl.Name)
	b.version(pl, meta.Labels, tmpl.Labels)
	b.networkLabels(pl, tmpl.Labels)
	sel := &metav1.LabelSelector{MatchLabels: Selector(b.app.Name, pl.Name)}
	b.recordKind(pl)
	switch pl.Kind {
	case model.KindDeployment:
		d := &appsv1.Deployment{TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{Replicas: b.replicas(pl), Selector: sel, Template: tmpl,
				RevisionHistoryLimit: ptr.To[int32](revisionHistory)}}
		d.Spec.Strategy = b.strategy(pl, d.Spec.Replicas)
		b.rollout(pl, &d.Spec.Strategy)
		b.emit(d)
	case model.KindStatefulSet:
		b.emit(&appsv1.StatefulSet{TypeMeta: typeMeta("apps/v1", "StatefulSet"), ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{Replicas: b.replicas(pl), Selector: sel, Template: tmpl,
				ServiceName: b.headlessName(pl), VolumeClaimTemplates: b.claimTemplates(p),
				RevisionHistoryLimit: ptr.To[int32](revisionHistory)}})
	case model.KindDaemonSet:
		b.replicasIgnored(svc, "deploy.mode global runs one pod per node")
		b.emit(&appsv1.DaemonSet{TypeMeta: typeMeta("apps/v1", "DaemonSet"), ObjectMeta: meta,
			Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl,
				RevisionHistoryLimit: ptr.To[int32](revisionHistory)}})
	case model.KindJob:
		b.emit(&batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: meta, Spec: b.jobSpec(pl, tmpl)})
	case model.KindCronJob:
		b.emit(b.cronJob(pl, meta, tmpl))
	default:
		return b.ledger.Errorf(svc.Name, svc.Field+".x-berth.kind",
			"unknown workload kind %q (want Deployment, StatefulSet, DaemonSet, Job or CronJob)", pl.Kind)
	}
	return nil
}

// oneShot returns the command word that makes a Compose service a run-to-completion task, or "".
// The rule differs by format: a Compose service without a restart policy is not restarted, so
// its command may be a one-shot; an ECS service's scheduler replaces every task that exits
// (scheduled tasks are CronJobs already).
func (b *builder) oneShot(svc *model.Service) string {
	if b.app.Source != model.Compose {
		return ""
	}
	w, _ := oneShotCommand(svc.Main())
	return w
}

// listens reports whether svc listens on ports: any port, except that a service whose command
// runs to completion (oneShot: `prisma migrate deploy` on the backend's image) in place of its
// image's own does not listen because its image would (Dockerfile EXPOSE, the image table
// describe the image's default process); a port it declares or another service dials counts.
func (b *builder) listens(svc *model.Service, ports []*listenPort) bool {
	c := svc.Main()
	if len(ports) == 0 {
		return false
	}
	if (len(c.Command) == 0 && len(c.Args) == 0) || b.oneShot(svc) == "" {
		return true
	}
	return slices.ContainsFunc(ports, func(p *listenPort) bool { return p.Source != model.FromDockerfile && p.Source != model.FromImage })
}

// interactive reports whether svc is a container kept open for a person to exec into (tty or
// stdin_open, Postiz's temporal-admin-tools) with no command of its own: its image idles
// (`sleep infinity`) until someone does, so no restart policy makes it a one-shot task.
func interactive(svc *model.Service) bool {
	c := svc.Main()
	return (c.TTY || c.Stdin) && len(c.Command) == 0 && len(c.Args) == 0
}

// longRunning reports whether a kind restarts its containers whenever they exit.
func longRunning(k model.Kind) bool {
	return k == model.KindDeployment || k == model.KindStatefulSet || k == model.KindDaemonSet
}

// recordKind accounts the fields that decided the kind and the restart policy.
func (b *builder) recordKind(pl *plan) {
	svc, target := pl.Svc, string(pl.Kind)+"/"+pl.Name
	switch pl.Why {
	case "x-berth.schedule":
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.schedule", target+" spec.schedule")
	case "x-berth.kind":
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.kind", target)
	}
	if svc.Global {
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyGlobal), target)
	}
	if pl.Kind == model.KindStatefulSet && pl.Why != "x-berth.kind" {
		b.ledger.Infof(svc.Name, svc.Field, "StatefulSet: %s", pl.Why)
	}
	if pl.Kind == model.KindJob && svc.Restart == model.RestartDefault && b.oneShot(svc) != "" && strings.HasPrefix(pl.Why, "no restart policy") {
		b.ledger.Infof(svc.Name, svc.Field, "Job: %s; set x-berth.kind: Deployment if it keeps running", pl.Why)
	}
	if longRunning(pl.Kind) && (svc.Restart == model.RestartDefault || svc.Restart == model.RestartNo) && b.oneShot(svc) != "" && pl.Why == "" {
		b.ledger.Warnf(svc.Name, svc.Field, "the command runs to completion (%s), but the service listens, so berth keeps a %s, which restarts it "+
			"each time it exits: set x-berth.kind: Job if it is a one-shot task", b.oneShot(svc), pl.Kind)
	}
	b.restartPolicy(pl, target)
}

// restartPolicy accounts restart / max_attempts for long-running kinds (jobs do it in jobSpec).
func (b *builder) restartPolicy(pl *plan, target string) {
	svc := pl.Svc
	if pl.Kind == model.KindJob || pl.Kind == model.KindCronJob {
		return
	}
	switch svc.Restart {
	case model.RestartNo, model.RestartOnFailure:
		why := "the service listens"
		if interactive(svc) && len(pl.Ports) == 0 {
			why = "the container is kept open for a person to exec into (tty or stdin_open, no command)"
		}
		b.partialAt(svc.Name, svc.Paths.All(model.KeyRestart), fmt.Sprintf(
			"restart %q: a %s always restarts its containers (%s, so berth keeps it long-running; set x-berth.kind: Job for a one-shot)",
			svc.Restart, pl.Kind, why), target)
	case model.RestartDefault:
	default:
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyRestart), target+" "+specPath(pl.Kind)+".restartPolicy")
	}
	if svc.MaxAttempts != nil {
		const why = "max_attempts has no equivalent for long-running workloads (kubelet restarts with back-off)"
		if at := svc.Paths.All(model.KeyMaxAttempts); slices.Equal(at, svc.Paths.All(model.KeyRestart)) {
			// Written in the policy's own field (restart: on-failure:3): the policy was
			// converted, only the count is lost.
			b.partialAt(svc.Name, at, why, target)
		} else {
			b.droppedAt(svc.Name, at, why)
		}
	}
}

// replicas is the replica count: the input's, else --replicas, else 1.
func (b *builder) replicas(pl *plan) *int32 {
	svc := pl.Svc
	if autoscaled(pl) {
		if svc.Replicas != nil {
			b.ignoredAt(svc.Name, svc.Paths.All(model.KeyReplicas),
				"the HorizontalPodAutoscaler (x-berth.autoscale) owns the replica count; the workload leaves spec.replicas unset")
		}
		return nil
	}
	if svc.Replicas != nil {
		t := fmt.Sprintf("%s/%s spec.replicas", pl.Kind, pl.Name)
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyReplicas), t)
		return ptr.To(*svc.Replicas)
	}
	if b.opts.Replicas > 0 {
		return ptr.To(b.opts.Replicas)
	}
	return ptr.To[int32](1)
}

// replicasIgnored reports replicas on kinds that have none.
func (b *builder) replicasIgnored(svc *model.Service, why string) {
	if svc.Replicas != nil {
		for _, f := range svc.Paths.All(model.KeyReplicas) {
			b.ledger.Dropped(svc.Name, f, "replicas ignored: "+why) // one warning per field written
		}
	}
}

// strategy is Recreate when the Deployment mounts a ReadWriteOnce claim: a rolling update
// would start the new pod while the old one still holds the volume, and on another node it
// would hang in ContainerCreating.
func (b *builder) strategy(pl *plan, replicas *int32) appsv1.DeploymentStrategy {
	rwo := ""
	for _, c := range pl.Svc.Containers {
		for _, m := range c.Mounts {
			if m.Type == model.MountVolume && b.readWriteOnce(m.Source) {
				rwo = m.Source
			}
		}
	}
	if rwo == "" {
		return appsv1.DeploymentStrategy{}
	}
	if replicas != nil && *replicas > 1 {
		b.ledger.Warnf(pl.Svc.Name, pl.Svc.Paths.Of(model.KeyReplicas),
			"%d replicas share the ReadWriteOnce volume %q: all pods must run on one node (use accessMode ReadWriteMany or a StatefulSet)", *replicas, rwo)
	}
	return appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
}

// rollout applies the input's rolling-update bounds (ECS deploymentConfiguration) to a
// Deployment that rolls (not to one that must Recreate).
func (b *builder) rollout(pl *plan, st *appsv1.DeploymentStrategy) {
	r := pl.Svc.Rollout
	if r == nil {
		return
	}
	if st.Type == appsv1.RecreateDeploymentStrategyType {
		b.ledger.Dropped(pl.Svc.Name, r.Field, "the pods share a ReadWriteOnce volume, so the Deployment uses Recreate: rolling-update bounds do not apply")
		return
	}
	ru := &appsv1.RollingUpdateDeployment{}
	if r.MaxSurge != "" {
		v := intstr.Parse(r.MaxSurge)
		ru.MaxSurge = &v
	}
	if r.MaxUnavailable != "" {
		v := intstr.Parse(r.MaxUnavailable)
		ru.MaxUnavailable = &v
	}
	st.Type, st.RollingUpdate = appsv1.RollingUpdateDeploymentStrategyType, ru
	b.ledger.Mapped(pl.Svc.Name, r.Field, fmt.Sprintf("Deployment/%s spec.strategy.rollingUpdate", pl.Name))
}

// labelVersion is the recommended label for the input's revision of a service.
const labelVersion = "app.kubernetes.io/version"

// version adds app.kubernetes.io/version to the workload's and the pod template's labels
// (never to the selector, which must not change between revisions).
func (b *builder) version(pl *plan, labels ...map[string]string) {
	v := pl.Svc.Version
	if v == "" {
		return
	}
	if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
		b.ledger.Infof(pl.Svc.Name, pl.Svc.Field, "version %q is not a valid label value (%s): no %s label", v, errs[0], labelVersion)
		return
	}
	for _, l := range labels {
		l[labelVersion] = v
	}
}

// readWriteOnce reports whether the named volume becomes a claim only one node can mount.
func (b *builder) readWriteOnce(name string) bool {
	mode := b.volumeAccessMode(name)
	return mode == corev1.ReadWriteOnce || mode == corev1.ReadWriteOncePod
}

// jobSpec builds a Job spec: restart "no" → Never with no retries, on-failure → OnFailure
// with backoffLimit from max_attempts; replicas → parallel completions.
func (b *builder) jobSpec(pl *plan, tmpl corev1.PodTemplateSpec) batchv1.JobSpec {
	svc := pl.Svc
	target := fmt.Sprintf("%s/%s ", pl.Kind, pl.Name)
	spec := batchv1.JobSpec{Template: tmpl}
	spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	prefix := ""
	if pl.Kind == model.KindCronJob {
		prefix = "spec.jobTemplate."
	}
	switch {
	case svc.Restart == model.RestartNo || (svc.Restart == model.RestartDefault && svc.MaxAttempts == nil):
		spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		spec.BackoffLimit = ptr.To[int32](0)
	case svc.Restart == model.RestartAlways || svc.Restart == model.RestartUnlessStopped:
		b.partialAt(svc.Name, svc.Paths.All(model.KeyRestart), fmt.Sprintf(
			"restart %q on a run-to-completion task: restarted on failure only", svc.Restart), target+prefix+"spec.template.spec.restartPolicy")
	}
	b.mappedAt(svc.Name, svc.Paths.All(model.KeyRestart), target+prefix+"spec.template.spec.restartPolicy")
	switch {
	case svc.MaxAttempts != nil:
		spec.BackoffLimit = ptr.To(*svc.MaxAttempts)
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyMaxAttempts), target+prefix+"spec.backoffLimit")
	case svc.Restart == model.RestartOnFailure:
		// Docker retries on-failure without a limit; the Job's default (6) would give up.
		spec.BackoffLimit = ptr.To[int32](math.MaxInt32)
	}
	if r := svc.Replicas; r != nil {
		spec.Parallelism, spec.Completions = ptr.To(*r), ptr.To(*r)
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyReplicas), target+prefix+"spec.completions")
	}
	return spec
}

// cronJob wraps the job spec in a CronJob. Runs never overlap (Compose never runs two copies
// of a one-shot at once) and a few finished Jobs are kept for their logs.
func (b *builder) cronJob(pl *plan, meta metav1.ObjectMeta, tmpl corev1.PodTemplateSpec) *batchv1.CronJob {
	cj := &batchv1.CronJob{TypeMeta: typeMeta("batch/v1", "CronJob"), ObjectMeta: meta,
		Spec: batchv1.CronJobSpec{
			Schedule:                   pl.Svc.Options.Schedule,
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To[int32](revisionHistory),
			FailedJobsHistoryLimit:     ptr.To[int32](revisionHistory),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: Labels(b.app.Name, pl.Name)},
				Spec:       b.jobSpec(pl, tmpl),
			},
		}}
	if t := pl.Svc.Trigger; t != nil && pl.Svc.Options.Schedule == "" {
		b.jobTrigger(cj, t)
	}
	return cj
}

// gracePeriod converts a stop grace period to whole seconds, rounding up.
func gracePeriod(d float64) *int64 {
	return ptr.To(int64(math.Ceil(d)))
}

// typeMeta fills apiVersion and kind.
func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
