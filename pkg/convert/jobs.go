package convert

import (
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/pkg/model"
)

// Compose jobs (top-level jobs:, docs/mapping.md "Jobs"): the loader makes each a service with
// a Trigger, which becomes a CronJob (decideKind); these are the trigger's parts of it.

// manualSchedule is the schedule of a CronJob that runs only by hand: it is suspended, so the
// schedule never fires.
const manualSchedule = "0 0 1 1 *"

// skipMissedDeadline is how late a CronJob run may start before it counts as missed and is
// skipped (missed_fires: skip).
const skipMissedDeadline = 60

const (
	queueLoss = "concurrency: queue: Kubernetes has no queue, a fire while the previous run goes on is skipped (concurrencyPolicy Forbid), not run after it"
	skipNote  = "missed_fires: skip: a run that cannot start within 60 s of its time is skipped (startingDeadlineSeconds 60)"
)

// jobTrigger sets cj's schedule, time zone, suspension and deadline from t.
func (b *builder) jobTrigger(cj *batchv1.CronJob, t *model.JobTrigger) {
	if t.Manual {
		cj.Spec.Schedule, cj.Spec.Suspend = manualSchedule, ptr.To(true)
	} else {
		cj.Spec.Schedule = t.Schedule
	}
	if t.TimeZone != "" {
		cj.Spec.TimeZone = ptr.To(t.TimeZone)
	}
	if t.SkipMissed {
		cj.Spec.StartingDeadlineSeconds = ptr.To[int64](skipMissedDeadline)
	}
}

// accountTrigger accounts a field under jobs.NAME.triggers of the job service.
func (b *builder) accountTrigger(service, path string) {
	svc, pl := b.serviceNamed(service), b.plans[service]
	if svc == nil || pl == nil || svc.Trigger == nil {
		return
	}
	t, target := svc.Trigger, string(pl.Kind)+"/"+pl.Name
	if svc.Options.Schedule != "" {
		b.ledger.Ignored(service, path, "x-berth.schedule sets the CronJob's schedule")
		return
	}
	run := "kubectl create job --from=cronjob/" + pl.Name + " " + pl.Name + "-1"
	rel := strings.TrimPrefix(path, svc.Field+".triggers")
	switch {
	case rel == ".manual" && t.Manual:
		b.ledger.Partial(service, path, "job "+service+" runs only by hand: CronJob "+pl.Name+" is suspended (its schedule "+manualSchedule+
			" never fires while suspended); start a run with "+run, target+" spec.suspend")
	case rel == ".manual":
		b.ledger.Ignored(service, path, "Kubernetes starts a CronJob by hand whatever this says ("+run+")")
	case rel == ".schedule[0]": // one input field (a crontab string, or the whole mapping)
		targets := []string{target + " spec.schedule"}
		if t.TimeZone != "" {
			targets = append(targets, target+" spec.timeZone")
		}
		var lost []string
		if t.Queue {
			lost = append(lost, queueLoss)
			targets = append(targets, target+" spec.concurrencyPolicy")
		}
		if t.SkipMissed {
			lost = append(lost, skipNote)
			targets = append(targets, target+" spec.startingDeadlineSeconds")
		}
		if len(lost) > 0 {
			b.ledger.Partial(service, path, strings.Join(lost, "; "), targets...)
			return
		}
		b.ledger.Mapped(service, path, targets...)
	case rel == ".schedule[0].cron":
		b.ledger.Mapped(service, path, target+" spec.schedule")
	case rel == ".schedule[0].timezone":
		b.ledger.Mapped(service, path, target+" spec.timeZone")
	case rel == ".schedule[0].concurrency" && t.Queue:
		b.ledger.Partial(service, path, queueLoss, target+" spec.concurrencyPolicy")
	case rel == ".schedule[0].concurrency":
		b.ledger.Mapped(service, path, target+" spec.concurrencyPolicy")
	case rel == ".schedule[0].missed_fires" && t.SkipMissed:
		b.ledger.Partial(service, path, skipNote, target+" spec.startingDeadlineSeconds")
	case rel == ".schedule[0].missed_fires":
		b.ledger.Ignored(service, path, "Kubernetes' default: the CronJob controller starts the most recent missed run")
	case strings.HasPrefix(rel, ".schedule["):
		entry, _, _ := strings.Cut(rel, "]")
		field := svc.Field + ".triggers" + entry + "]"
		if b.jobsSeen == nil {
			b.jobsSeen = map[string]bool{}
		}
		if !b.jobsSeen[field] {
			b.jobsSeen[field] = true
			b.ledger.Dropped(service, field, "a CronJob has one schedule (job "+service+" uses its first, "+t.Schedule+"): write another job for this one")
		}
	case strings.HasPrefix(rel, ".x-"):
		b.ledger.Ignored(service, path, "extension field: its values count where YAML anchors use them")
	}
}
