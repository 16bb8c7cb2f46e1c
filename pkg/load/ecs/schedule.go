package ecs

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// ECS scheduled tasks: an EventBridge Scheduler schedule (`aws scheduler get-schedule`
// output) or an EventBridge rule (`aws events describe-rule` output, with the "Targets" of
// `aws events list-targets-by-rule` added) whose target runs a loaded task definition makes
// that task a CronJob on the same schedule. Unknown keys (ARNs, dates, roles) are skipped.
type scheduleFile struct {
	Name                       *string          `json:"Name"`
	ScheduleExpression         *string          `json:"ScheduleExpression"`
	ScheduleExpressionTimezone *string          `json:"ScheduleExpressionTimezone"`
	State                      *string          `json:"State"`
	Target                     *scheduleTarget  `json:"Target"`
	Targets                    []scheduleTarget `json:"Targets"`
}

type scheduleTarget struct {
	EcsParameters *scheduleECS `json:"EcsParameters"`
}

type scheduleECS struct {
	TaskDefinitionArn *string `json:"TaskDefinitionArn"`
	TaskCount         *int64  `json:"TaskCount"`
}

// applyScheduleFile reads one schedule or rule into the app: the task definition its target
// runs becomes a CronJob (Options.Schedule), TaskCount its parallel Jobs.
func applyScheduleFile(app *model.App, f source) error {
	root, ln, err := parseSource(f)
	if err != nil {
		return err
	}
	if root.kind != kObject || root.get("ScheduleExpression") == nil {
		return diag.Errorf(ln.pos(root.off), "", "", "want an EventBridge schedule or rule (an object with \"ScheduleExpression\"), got %s", describe(root))
	}
	var sf scheduleFile
	d := &decoder{lines: ln, lenient: true, offs: map[string]int64{}}
	if err := d.decode(root, reflect.ValueOf(&sf).Elem(), ""); err != nil {
		return toDiag(err, ln, root, "")
	}
	s := &serviceLoader{app: app, d: d, ln: ln, skipped: map[string]bool{}}
	targets, base := sf.Targets, "Targets"
	if sf.Target != nil {
		targets, base = []scheduleTarget{*sf.Target}, "Target"
	}
	var svc *model.Service
	var path string
	for i, t := range targets {
		p := base
		if base == "Targets" {
			p = fmt.Sprintf("Targets[%d]", i)
		}
		if t.EcsParameters == nil || t.EcsParameters.TaskDefinitionArn == nil {
			continue
		}
		fam := family(*t.EcsParameters.TaskDefinitionArn)
		if svc = app.Service(sanitize(fam)); svc == nil {
			return s.errf("", join(p, "EcsParameters.TaskDefinitionArn"), "the schedule runs task definition family %q, which is not among the loaded task definitions", fam)
		}
		path = p
		if n := deref(t.EcsParameters.TaskCount); n > 1 {
			c := int32(n)
			svc.Replicas = &c
			svc.Paths.Add(model.KeyReplicas, join(p, "EcsParameters.TaskCount"))
		}
		break
	}
	if svc == nil {
		return s.errf("", base, "no target runs an ECS task (want EcsParameters.TaskDefinitionArn)")
	}
	cron, note, err := cronOf(deref(sf.ScheduleExpression))
	if err != nil {
		return s.errf(svc.Name, "ScheduleExpression", "%v", err)
	}
	svc.Options.Schedule = cron
	if note != "" {
		s.warn(svc.Name, "ScheduleExpression", "%s", note)
	}
	if tz := deref(sf.ScheduleExpressionTimezone); tz != "" && tz != "UTC" && tz != "Etc/UTC" {
		s.warn(svc.Name, "ScheduleExpressionTimezone", "time zone %s is not converted: the CronJob runs on the controller manager's time zone (UTC on most clusters); shift the hours, or set spec.timeZone: %s on the CronJob", tz, tz)
	}
	if st := deref(sf.State); st != "" && st != "ENABLED" {
		s.warn(svc.Name, "State", "the schedule is %s: the CronJob is not suspended by berth; apply it with berth apply --suspend-cronjobs to keep it from running", st)
	}
	for _, f := range d.fields {
		if !strings.HasPrefix(f.Path, "Targets[") || f.Path == path || strings.HasPrefix(f.Path, path+".") {
			f.Service = svc.Name
			app.Inputs = append(app.Inputs, f)
		}
	}
	app.Diagnostics = append(app.Diagnostics, d.warns...)
	return nil
}

// cronOf converts an EventBridge schedule expression to a Kubernetes CronJob schedule:
// cron(min hour day-of-month month day-of-week year) or rate(N unit). The note says what is
// approximate; an expression Kubernetes cannot express is an error.
func cronOf(expr string) (string, string, error) {
	expr = strings.TrimSpace(expr)
	if body, ok := strings.CutPrefix(expr, "rate("); ok && strings.HasSuffix(body, ")") {
		return rateOf(strings.TrimSuffix(body, ")"))
	}
	body, ok := strings.CutPrefix(expr, "cron(")
	if !ok || !strings.HasSuffix(body, ")") {
		if strings.HasPrefix(expr, "at(") {
			return "", "", fmt.Errorf("%q runs once: a one-time schedule is a Job, not a CronJob (drop the schedule file)", expr)
		}
		return "", "", fmt.Errorf("%q: want cron(...) or rate(...)", expr)
	}
	f := strings.Fields(strings.TrimSuffix(body, ")"))
	if len(f) != 6 {
		return "", "", fmt.Errorf("%q: cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got %d", expr, len(f))
	}
	if f[5] != "*" && f[5] != "?" {
		return "", "", fmt.Errorf("%q: a year field (%s) has no Kubernetes equivalent", expr, f[5])
	}
	for _, x := range f[:5] {
		if strings.ContainsAny(x, "LW#") {
			return "", "", fmt.Errorf("%q: L, W and # (last, weekday, nth) have no Kubernetes cron equivalent", expr)
		}
	}
	for i := range f[:5] {
		if f[i] == "?" {
			f[i] = "*"
		}
	}
	dow, err := weekdays(f[4])
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", expr, err)
	}
	return strings.Join([]string{f[0], f[1], f[2], f[3], dow}, " "), "", nil
}

// weekdays turns EventBridge day-of-week numbers (1-7, Sunday first) into cron's (0-6); names
// (MON-FRI) are the same in both.
func weekdays(s string) (string, error) {
	var b strings.Builder
	num := ""
	flush := func() error {
		if num == "" {
			return nil
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 7 {
			return fmt.Errorf("day of week %q: want 1-7 or SUN-SAT", num)
		}
		b.WriteString(strconv.Itoa(n - 1))
		num = ""
		return nil
	}
	for i, r := range s {
		prev := byte(0)
		if i > 0 {
			prev = s[i-1]
		}
		if r >= '0' && r <= '9' && prev != '/' {
			num += string(r)
			continue
		}
		if err := flush(); err != nil {
			return "", err
		}
		b.WriteRune(r)
	}
	if err := flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// rateOf converts rate(N unit) to a cron schedule where one matches it exactly.
func rateOf(body string) (string, string, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return "", "", fmt.Errorf("rate(%s): want rate(N minutes|hours|days)", body)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return "", "", fmt.Errorf("rate(%s): %q is not a positive number", body, f[0])
	}
	unit := strings.TrimSuffix(f[1], "s")
	switch {
	case unit == "minute" && n == 1:
		return "* * * * *", "", nil
	case unit == "minute" && 60%n == 0:
		return fmt.Sprintf("*/%d * * * *", n), "", nil
	case unit == "hour" && n == 1:
		return "0 * * * *", "", nil
	case unit == "hour" && 24%n == 0:
		return fmt.Sprintf("0 */%d * * *", n), "", nil
	case unit == "day" && n == 1:
		return "0 0 * * *", "", nil
	case unit == "day":
		return fmt.Sprintf("0 0 */%d * *", n), fmt.Sprintf("rate(%s) becomes every %d days from the first of each month: the count restarts monthly", body, n), nil
	case unit == "minute" || unit == "hour":
		return "", "", fmt.Errorf("rate(%s): no cron schedule runs exactly every %d %ss (pick a divisor of %d)", body, n, unit, map[string]int{"minute": 60, "hour": 24}[unit])
	}
	return "", "", fmt.Errorf("rate(%s): unit %q, want minutes, hours or days", body, f[1])
}
