package convert_test

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

// TestComposeJobs: a top-level job becomes a CronJob: its first schedule (time zone, a
// deadline for missed_fires: skip; queue is partial: Kubernetes skips instead), further
// schedules dropped with a warning, a manual-only job suspended with the command that runs
// it; its env_file and models reach the container as a service's do.
func TestComposeJobs(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:16.4
jobs:
  backup:
    image: postgres:16.4
    command: ["pg_dump", "-h", "db"]
    depends_on: [db]
    env_file: [backup.env]
    models: [llm]
    triggers:
      schedule:
        - cron: "0 3 * * *"
          timezone: Europe/Paris
          concurrency: queue
          missed_fires: skip
        - "30 12 * * 1"
  report:
    image: busybox:1.36
    triggers:
      manual: false
      schedule: ["*/5 * * * *"]
  migrate:
    image: busybox:1.36
    triggers:
      manual: true
models:
  llm:
    model: ai/smollm2
`,
		"backup.env": "PGUSER=backup\n",
	}, convert.Options{})
	crons := map[string]*batchv1.CronJob{}
	env := map[string]string{}
	for _, o := range res.Objects {
		switch o := o.(type) {
		case *batchv1.CronJob:
			crons[o.Name] = o
		case *corev1.ConfigMap:
			for k, v := range o.Data {
				env[o.Name+"/"+k] = v
			}
		}
	}
	b, r, m := crons["backup"], crons["report"], crons["migrate"]
	if b == nil || r == nil || m == nil {
		t.Fatalf("want CronJobs backup, report and migrate, got %v", keys(crons))
	}
	if b.Spec.Schedule != "0 3 * * *" || b.Spec.TimeZone == nil || *b.Spec.TimeZone != "Europe/Paris" ||
		b.Spec.StartingDeadlineSeconds == nil || *b.Spec.StartingDeadlineSeconds != 60 || b.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent || b.Spec.Suspend != nil {
		t.Errorf("backup: %+v", b.Spec)
	}
	if r.Spec.Schedule != "*/5 * * * *" || r.Spec.Suspend != nil || r.Spec.TimeZone != nil || r.Spec.StartingDeadlineSeconds != nil {
		t.Errorf("report: %+v", r.Spec)
	}
	if m.Spec.Suspend == nil || !*m.Spec.Suspend {
		t.Errorf("migrate (manual only) is not suspended: %+v", m.Spec)
	}
	pod := b.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.InitContainers) == 0 {
		t.Error("backup does not wait for db (depends_on)")
	}
	if env["backup-env/PGUSER"] != "backup" || env["backup-env/LLM_URL"] != "http://llm:8080/v1/" || env["backup-env/LLM_MODEL"] != "ai/smollm2" {
		t.Errorf("backup's env_file and model variables: %v", env)
	}
	warned := func(field, text string) {
		t.Helper()
		for _, d := range res.Diagnostics {
			if d.Severity == diag.Warning && d.Field == field && strings.Contains(d.Message, text) {
				return
			}
		}
		t.Errorf("no warning on %s saying %q", field, text)
	}
	warned("jobs.backup.triggers.schedule[0]", "Kubernetes has no queue")
	warned("jobs.backup.triggers.schedule[0]", "startingDeadlineSeconds 60")
	warned("jobs.backup.triggers.schedule[1]", "a CronJob has one schedule")
	warned("jobs.migrate.triggers.manual", "kubectl create job --from=cronjob/migrate")
	for _, d := range res.Diagnostics {
		if strings.HasPrefix(d.Field, "jobs.report") && d.Severity == diag.Warning {
			t.Errorf("report (a plain schedule) warns: %s", d.Message)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
