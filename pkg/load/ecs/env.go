package ecs

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// ECS health check defaults and limits (seconds; retries is a count).
const (
	healthInterval = 30
	healthTimeout  = 5
	healthRetries  = 3
)

// health maps healthCheck. ECS fills interval 30, timeout 5 and retries 3 when they are left
// out (Docker's timeout default is 30), so the loader writes them down explicitly. Zero means
// "left out" as in the CLI skeleton.
func (l *taskLoader) health(c *containerDef, p string, mc *model.Container) error {
	hc := c.HealthCheck
	if hc == nil {
		return nil
	}
	hp := l.path(p, "healthCheck")
	if len(hc.Command) < 2 {
		return l.errAt(l.path(hp, "command"), "want [\"CMD\", argv...] or [\"CMD-SHELL\", \"shell command\"]")
	}
	h := &model.Health{Field: hp}
	switch hc.Command[0] {
	case "CMD":
		h.Type, h.Command = model.HealthExec, append([]string(nil), hc.Command[1:]...)
	case "CMD-SHELL":
		h.Type, h.Command = model.HealthShell, []string{strings.Join(hc.Command[1:], " ")}
	default:
		return l.errAt(l.path(hp, "command"), "first element %q: want CMD or CMD-SHELL", hc.Command[0])
	}
	limits := []struct {
		key      string
		v        *int64
		def      int64
		min, max int64
	}{
		{"interval", hc.Interval, healthInterval, 5, 300},
		{"timeout", hc.Timeout, healthTimeout, 2, 60},
		{"retries", hc.Retries, healthRetries, 1, 10},
		{"startPeriod", hc.StartPeriod, 0, 0, 300},
	}
	vals := make([]int64, len(limits))
	for i, lim := range limits {
		vals[i] = lim.def
		if v := deref(lim.v); v != 0 {
			if v < lim.min || v > lim.max {
				return l.errAt(l.path(hp, lim.key), "%s %d is outside ECS's range %d-%d", lim.key, v, lim.min, lim.max)
			}
			vals[i] = v
		}
	}
	h.Interval, h.Timeout = seconds(vals[0]), seconds(vals[1])
	retries := int32(vals[2])
	h.Retries = &retries
	if vals[3] > 0 {
		h.StartPeriod = seconds(vals[3])
	}
	mc.Health = h
	return nil
}

// env maps environment, secrets and environmentFiles. Names are unique: a later entry replaces
// an earlier one (with a warning), and a secret replaces a plain variable of the same name.
func (l *taskLoader) env(c *containerDef, p string, mc *model.Container) error {
	index := map[string]int{}
	put := func(e model.EnvVar) {
		if i, ok := index[e.Name]; ok {
			l.warnAt(e.Field, "variable %s is set twice; the later one wins", e.Name)
			mc.Env[i] = e
			return
		}
		index[e.Name] = len(mc.Env)
		mc.Env = append(mc.Env, e)
	}
	for i, kv := range c.Environment {
		ep := fmt.Sprintf("%s[%d]", l.path(p, "environment"), i)
		if deref(kv.Name) == "" {
			return l.errAt(ep, "environment variable name is required")
		}
		put(model.EnvVar{Name: *kv.Name, Value: deref(kv.Value), Field: ep})
	}
	for i, s := range c.Secrets {
		sp := fmt.Sprintf("%s[%d]", l.path(p, "secrets"), i)
		if deref(s.Name) == "" {
			return l.errAt(sp, "secret name is required")
		}
		ref, err := l.secretRef(deref(s.ValueFrom), l.path(sp, "valueFrom"))
		if err != nil {
			return err
		}
		put(model.EnvVar{Name: *s.Name, From: ref, Secret: true, Field: sp})
	}
	for i, f := range c.EnvironmentFiles {
		fp := fmt.Sprintf("%s[%d]", l.path(p, "environmentFiles"), i)
		if deref(f.Value) == "" {
			return l.errAt(fp, "environment file value (an S3 object ARN) is required")
		}
		mc.EnvFiles = append(mc.EnvFiles, model.EnvFile{Location: *f.Value, Type: deref(f.Type), Field: fp})
	}
	return nil
}

var ecrRE = lazyRegexp(`^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/`)

// defaultRegion gives SSM parameter names (which ECS reads in the task's own region) the region
// of the task when the task reveals exactly one: through its other secret ARNs or its ECR
// images. Otherwise the region stays unknown and convert asks for it.
func (l *taskLoader) defaultRegion() {
	regions := map[string]bool{}
	for _, c := range l.svc.Containers {
		for _, e := range c.Env {
			if e.From != nil && regionRE().MatchString(e.From.Region) {
				regions[e.From.Region] = true
			}
		}
		if m := ecrRE().FindStringSubmatch(c.Image); m != nil {
			regions[m[1]] = true
		}
	}
	if len(regions) != 1 {
		return
	}
	var region string
	for r := range regions {
		region = r
	}
	for ci := range l.svc.Containers {
		for ei := range l.svc.Containers[ci].Env {
			if f := l.svc.Containers[ci].Env[ei].From; f != nil && f.Region == "" {
				f.Region = region
			}
		}
	}
}

var (
	// arn:partition:service:region:account:resource
	arnRE      = lazyRegexp(`^arn:(aws[a-z-]*):([a-z0-9-]+):([^:]*):([^:]*):(.+)$`)
	regionRE   = lazyRegexp(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	ssmNameRE  = lazyRegexp(`^/?[A-Za-z0-9_.\-/]+$`)
	smSecretRE = lazyRegexp(`^secret:([A-Za-z0-9/_+=.@-]+)(?::([^:]*):([^:]*):([^:]*))?$`)
)

var placeholderRE = lazyRegexp(`\$\{[^}]*\}`)

// withoutPseudoParams makes a CloudFormation Fn::Sub string parseable as an ARN: the stack's
// region and account are unknown offline (empty), the partition is aws, and other ${...}
// placeholders lose their "::" so they stay within one ARN part.
func withoutPseudoParams(v string) string {
	if !strings.Contains(v, "${") {
		return v
	}
	v = strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::Region}", "", "${AWS::AccountId}", "").Replace(v)
	return placeholderRE().ReplaceAllStringFunc(v, func(s string) string { return strings.ReplaceAll(s, "::", ".") })
}

// secretRef parses an ECS secret reference: a Secrets Manager secret ARN, optionally followed by
// :json-key:version-stage:version-id, an SSM parameter ARN, or an SSM parameter name. Messages
// name the field, never the reference itself (it carries account ids).
func (l *taskLoader) secretRef(v, p string) (*model.SecretRef, error) {
	if v == "" {
		return nil, l.errAt(p, "valueFrom is required")
	}
	m := arnRE().FindStringSubmatch(withoutPseudoParams(v))
	if m == nil {
		if !ssmNameRE().MatchString(v) {
			return nil, l.errAt(p, "not a Secrets Manager ARN, an SSM parameter ARN or an SSM parameter name")
		}
		return &model.SecretRef{Provider: "aws-ssm", Ref: v, Name: v, Field: p}, nil
	}
	ref := &model.SecretRef{Ref: v, Region: m[3], Account: m[4], Field: p}
	switch m[2] {
	case "secretsmanager":
		sm := smSecretRE().FindStringSubmatch(m[5])
		if sm == nil {
			return nil, l.errAt(p, "a Secrets Manager ARN needs secret:<name>[:json-key:version-stage:version-id]")
		}
		ref.Provider, ref.Name = "aws-secretsmanager", sm[1]
		ref.JSONKey, ref.VersionStage, ref.VersionID = sm[2], sm[3], sm[4]
		if ref.VersionStage != "" && ref.VersionID != "" {
			return nil, l.errAt(p, "give a version stage or a version id, not both")
		}
	case "ssm":
		name, ok := strings.CutPrefix(m[5], "parameter/")
		if !ok || name == "" {
			return nil, l.errAt(p, "an SSM parameter ARN needs parameter/<name>")
		}
		if strings.Contains(name, "/") {
			name = "/" + name
		}
		ref.Provider, ref.Name = "aws-ssm", name
	default:
		return nil, l.errAt(p, "secrets come from Secrets Manager or SSM Parameter Store, not %q", m[2])
	}
	if strings.Contains(v, "${") {
		return ref, nil // a CloudFormation placeholder: the Fn::Sub warning already says so
	}
	if !regionRE().MatchString(ref.Region) {
		l.warnAt(p, "the region in the secret ARN is not an AWS region name (a placeholder?); fix it before applying")
	}
	if !accountRE().MatchString(ref.Account) {
		l.warnAt(p, "the account in the secret ARN is not a 12-digit id (a placeholder?); fix it before applying")
	}
	return ref, nil
}
