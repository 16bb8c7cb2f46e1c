package compose

import (
	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// job maps a top-level job (jobs.NAME: a container run to completion on triggers) as a
// service of the app with a Trigger, which convert makes a CronJob (docs/mapping.md, "Jobs"):
// the first schedule is the CronJob's; without one the job runs only by hand. (compose-go
// refuses a job named like a service.)
func (m *mapper) job(name string, j types.JobConfig) (*model.Service, error) {
	f := "jobs." + name
	svc := types.ServiceConfig{
		Name: name, Profiles: j.Profiles, ContainerSpec: j.ContainerSpec, WorkloadSpec: j.WorkloadSpec, Extensions: j.Extensions,
	}
	// compose-go reads the env_file of services only: read the job's the same way
	one := types.Project{Name: m.project.Name, WorkingDir: m.project.WorkingDir, Environment: m.project.Environment,
		Services: types.Services{name: svc}}
	resolved, err := one.WithServicesEnvironmentResolved(false)
	if err != nil {
		return nil, m.errorf(name, f+".env_file", "%v", err)
	}
	s, err := m.workload(f, name, resolved.Services[name])
	if err != nil {
		return nil, err
	}
	t := &model.JobTrigger{Field: f + ".triggers"}
	if tr := j.Triggers; tr != nil && len(tr.Schedule) > 0 {
		sc := tr.Schedule[0]
		t.Field = f + ".triggers.schedule[0]"
		t.Schedule, t.TimeZone = sc.Cron, sc.Timezone
		t.Queue = sc.Concurrency == "queue"
		t.SkipMissed = sc.MissedFires == "skip"
	} else {
		t.Manual = true
	}
	s.Trigger = t
	return s, nil
}
