package ecs

import (
	"strings"
	"testing"
)

func TestCronOf(t *testing.T) {
	for _, c := range []struct{ in, want, note, err string }{
		{in: "cron(30 2 ? * MON-FRI *)", want: "30 2 * * MON-FRI"},
		{in: "cron(0 12 * * ? *)", want: "0 12 * * *"},
		{in: "cron(0/15 * * * ? *)", want: "0/15 * * * *"},
		{in: "cron(0 8 ? * 2-6 *)", want: "0 8 * * 1-5"},
		{in: "cron(0 8 ? * 1,7 *)", want: "0 8 * * 0,6"},
		{in: "cron(0 8 ? * */2 *)", want: "0 8 * * */2"},
		{in: "rate(5 minutes)", want: "*/5 * * * *"},
		{in: "rate(1 minute)", want: "* * * * *"},
		{in: "rate(1 hour)", want: "0 * * * *"},
		{in: "rate(6 hours)", want: "0 */6 * * *"},
		{in: "rate(1 day)", want: "0 0 * * *"},
		{in: "rate(3 days)", want: "0 0 */3 * *", note: "restarts monthly"},
		{in: "rate(7 minutes)", err: "no cron schedule runs exactly every 7 minutes"},
		{in: "cron(0 8 ? * 2-6 2025)", err: "year field"},
		{in: "cron(0 8 L * ? *)", err: "L, W and #"},
		{in: "cron(0 8 ? * 8 *)", err: "want 1-7"},
		{in: "cron(0 8 * *)", err: "takes 6 fields"},
		{in: "at(2025-01-01T00:00:00)", err: "runs once"},
		{in: "every day", err: "want cron(...) or rate(...)"},
	} {
		got, note, err := cronOf(c.in)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("cronOf(%q) error = %v, want one containing %q", c.in, err, c.err)
			}
		case err != nil:
			t.Errorf("cronOf(%q): %v", c.in, err)
		case got != c.want || !strings.Contains(note, c.note) || (c.note == "") != (note == ""):
			t.Errorf("cronOf(%q) = %q (note %q), want %q (note with %q)", c.in, got, note, c.want, c.note)
		}
	}
}

const reportTask = `{"family": "report", "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "report", "image": "example/report:1", "command": ["report"]}]}`

// An EventBridge rule with its targets (describe-rule plus list-targets-by-rule) makes the
// task it runs a CronJob; TaskCount becomes its replicas; unknown keys are skipped.
func TestScheduleRule(t *testing.T) {
	rule := `{
  "Name": "nightly", "Arn": "arn:aws:events:eu-west-1:1:rule/nightly", "EventBusName": "default",
  "ScheduleExpression": "cron(0 3 * * ? *)", "State": "ENABLED",
  "Targets": [
    {"Id": "lambda", "Arn": "arn:aws:lambda:eu-west-1:1:function:x"},
    {"Id": "ecs", "Arn": "arn:aws:ecs:eu-west-1:1:cluster/prod",
     "EcsParameters": {"TaskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/report:3", "TaskCount": 2, "LaunchType": "FARGATE"}}
  ]
}`
	app, err := Parse([]Source{NewSource("task.json", []byte(reportTask))}, nil,
		Options{Schedules: []Source{NewSource("rule.json", []byte(rule))}})
	if err != nil {
		t.Fatal(err)
	}
	svc := app.Service("report")
	if svc.Options.Schedule != "0 3 * * *" || svc.Replicas == nil || *svc.Replicas != 2 {
		t.Errorf("schedule %q, replicas %v; want 0 3 * * *, 2", svc.Options.Schedule, svc.Replicas)
	}
	var paths []string
	for _, f := range app.Inputs {
		if f.Pos.File == "rule.json" {
			paths = append(paths, f.Path)
			if f.Service != "report" {
				t.Errorf("%s: service %q, want report", f.Path, f.Service)
			}
		}
	}
	if got := strings.Join(paths, " "); !strings.Contains(got, "ScheduleExpression") || !strings.Contains(got, "Targets[1].EcsParameters.TaskCount") || strings.Contains(got, "Targets[0]") {
		t.Errorf("schedule inputs: %s", got)
	}
}

func TestScheduleErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"ScheduleExpression": "rate(1 hour)", "Target": {"EcsParameters": {"TaskDefinitionArn": "task-definition/other:1"}}}`,
			`rule.json:1:69: Target.EcsParameters.TaskDefinitionArn: the schedule runs task definition family "other"`},
		{`{"ScheduleExpression": "rate(1 hour)", "Targets": [{"Id": "x"}]}`, "no target runs an ECS task"},
		{`{"ScheduleExpression": "rate(7 minutes)", "Target": {"EcsParameters": {"TaskDefinitionArn": "report"}}}`,
			"rule.json:1:2: ScheduleExpression: rate(7 minutes)"},
		{`{"Name": "x"}`, `want an EventBridge schedule or rule`},
		{`[1]`, `want an EventBridge schedule or rule`},
	} {
		_, err := Parse([]Source{NewSource("task.json", []byte(reportTask))}, nil,
			Options{Schedules: []Source{NewSource("rule.json", []byte(c.in))}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.in, err, c.want)
		}
	}
}

// FuzzSchedule feeds arbitrary bytes to the loader as an EventBridge schedule: it must never
// panic, and every failure must be a positioned *diag.Err.
func FuzzSchedule(f *testing.F) {
	f.Add([]byte(`{"ScheduleExpression": "cron(0 3 ? * 2-6 *)", "Target": {"EcsParameters": {"TaskDefinitionArn": "report:1", "TaskCount": 2}}}`))
	f.Add([]byte(`{"ScheduleExpression": "rate(5 minutes)", "Targets": [{"EcsParameters": {"TaskDefinitionArn": "task-definition/report"}}]}`))
	f.Add([]byte(`{"ScheduleExpression": 5, "Target": null}`))
	f.Fuzz(func(t *testing.T, schedule []byte) {
		app, err := Parse([]Source{NewSource("task.json", []byte(reportTask))}, nil,
			Options{Schedules: []Source{NewSource("s.json", schedule)}})
		if err != nil {
			positioned(t, err)
			return
		}
		if app.Service("report").Options.Schedule == "" {
			t.Fatalf("a schedule loaded without a CronJob schedule")
		}
	})
}
