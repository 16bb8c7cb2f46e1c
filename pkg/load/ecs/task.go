package ecs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// taskLoader maps one decoded task definition onto a model.Service.
type taskLoader struct {
	t   *task
	td  *taskDef
	d   *decoder
	svc *model.Service
	cfn bool
	// base is the path of the task object, cbase of the container array.
	base, cbase string
	diags       diag.List
	// names maps input container names to their sanitized model names, sanitized the reverse.
	names, sanitized map[string]string
	// vols maps input volume names to the model volumes of this task.
	vols map[string]*model.Volume
	// hasMemory: the task sets memory, so containers may leave it out.
	hasMemory bool
	volumes   []model.Volume
	// order maps a container's input index to its index in the model.
	order []int
	// outerTags are describe-task-definition's tags, beside taskDefinition.
	outerTags []tag
}

// loadTask decodes one task definition and maps it.
func loadTask(t *task, prefix string) (*model.Service, []model.Volume, []diag.Field, diag.List, error) {
	l := &taskLoader{t: t, td: &taskDef{}, cfn: t.form == formCFN, names: map[string]string{}, sanitized: map[string]string{}, vols: map[string]*model.Volume{}}
	if err := l.decode(prefix); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := l.mapTask(); err != nil {
		return nil, nil, nil, nil, err
	}
	return l.svc, l.volumes, l.d.fields, append(l.d.warns, l.diags...), nil
}

func (l *taskLoader) decode(prefix string) error {
	var err error
	switch l.t.form {
	case formDescribe:
		out := &describeOutput{}
		if l.d, err = decodeInto(l.t, l.t.node, out, prefix, false, l.t.name); err != nil {
			return err
		}
		l.base = join(prefix, "taskDefinition")
		if out.TaskDefinition == nil {
			return l.errAt(l.base, "taskDefinition is null")
		}
		l.td = out.TaskDefinition
		l.outerTags = out.Tags
	case formTerraform:
		var cds []containerDef
		if l.d, err = decodeInto(l.t, l.t.node, &cds, prefix, false, l.t.name); err != nil {
			return err
		}
		l.base, l.cbase = prefix, prefix
		l.td.ContainerDefinitions = cds
		return nil
	default:
		if l.d, err = decodeInto(l.t, l.t.node, l.td, prefix+l.t.path, l.cfn, l.t.name); err != nil {
			return err
		}
		l.base = prefix + l.t.path
	}
	l.cbase = join(l.base, l.key("containerDefinitions"))
	return nil
}

// key is the input name of an API field in this task's dialect.
func (l *taskLoader) key(api string) string {
	if !l.cfn {
		return api
	}
	switch api {
	case "efsVolumeConfiguration":
		return "EFSVolumeConfiguration"
	case "fileSystemId":
		return "FilesystemId"
	}
	return strings.ToUpper(api[:1]) + api[1:]
}

// path joins API field names below base in this task's dialect.
func (l *taskLoader) path(base string, keys ...string) string {
	for _, k := range keys {
		base = join(base, l.key(k))
	}
	return base
}

// pos is the position of path or of its nearest known parent.
func (l *taskLoader) pos(path string) diag.Pos {
	for p := path; p != ""; p = parentPath(p) {
		if off, ok := l.d.offs[p]; ok {
			return l.t.lines.pos(off)
		}
	}
	return l.t.lines.pos(l.t.node.off)
}

// errAt is a user error at path, naming the container the path points into.
func (l *taskLoader) errAt(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if c := containerName(l.t.root, path); c != "" {
		msg = fmt.Sprintf("container %q: %s", c, msg)
	}
	return &diag.Err{Diagnostic: diag.Diagnostic{Severity: diag.Error, Pos: l.pos(path), Service: l.t.name, Field: path, Message: msg}}
}

// warnAt adds a warning at path.
func (l *taskLoader) warnAt(path, format string, args ...any) {
	l.diags = append(l.diags, diag.Diagnostic{Severity: diag.Warning, Pos: l.pos(path), Service: l.t.name, Field: path, Message: fmt.Sprintf(format, args...)})
}

func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}

var familyRE = lazyRegexp(`^[A-Za-z0-9_-]{1,255}$`)

// mapTask fills the service from the task-level fields, then the volumes and the containers.
func (l *taskLoader) mapTask() error {
	td := l.td
	famPath := l.path(l.base, "family")
	switch {
	case td.Family != nil && !familyRE().MatchString(*td.Family):
		return l.errAt(famPath, "family %q is not valid: ECS wants 1-255 letters, digits, '-' or '_'", *td.Family)
	case td.Family == nil && l.t.family == "":
		return l.errAt(famPath, "family is required (ECS rejects a task definition without one)")
	case l.t.name == "":
		return l.errAt(famPath, "family %q leaves no usable name", deref(td.Family))
	}
	l.svc = &model.Service{Name: l.t.name, Field: l.base, Pos: l.pos(l.base), NetworkMode: deref(td.NetworkMode)}
	if td.Revision != nil {
		l.svc.Version = strconv.FormatInt(*td.Revision, 10)
	}
	l.svc.Compatibilities = append([]string(nil), td.RequiresCompatibilities...)
	if err := l.roles(); err != nil {
		return err
	}
	if err := l.taskResources(); err != nil {
		return err
	}
	l.platform()
	l.svc.IPC, l.svc.PID = deref(td.IpcMode), deref(td.PidMode)
	l.taskPaths()
	if err := l.tags(td.Tags, l.path(l.base, "tags")); err != nil {
		return err
	}
	if err := l.tags(l.outerTags, strings.TrimSuffix(l.base, "taskDefinition")+"tags"); err != nil {
		return err
	}
	if err := l.mapVolumes(); err != nil {
		return err
	}
	return l.mapContainers()
}

// tags adds AWS tags to the service labels (annotations in Kubernetes).
func (l *taskLoader) tags(tags []tag, base string) error {
	for i, tg := range tags {
		p := fmt.Sprintf("%s[%d]", base, i)
		if tg.Key == nil {
			return l.errAt(p, "tag key is required")
		}
		l.svc.Labels = l.putKV(l.svc.Labels, model.KV{Key: *tg.Key, Value: deref(tg.Value), Field: p}, "tag")
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

var (
	roleARNRE  = lazyRegexp(`^arn:aws[a-z-]*:iam::([^:]*):role/[\w+=,.@/-]+$`)
	roleNameRE = lazyRegexp(`^[\w+=,.@-]{1,64}$`)
	accountRE  = lazyRegexp(`^\d{12}$`)
)

// roles checks and records the task and execution roles. ECS takes a role ARN or a role name.
func (l *taskLoader) roles() error {
	for _, r := range []struct {
		key string
		val *string
		dst *string
	}{{"taskRoleArn", l.td.TaskRoleArn, &l.svc.RoleARN}, {"executionRoleArn", l.td.ExecutionRoleArn, &l.svc.ExecutionRoleARN}} {
		if r.val == nil || *r.val == "" {
			continue
		}
		p, v := l.path(l.base, r.key), *r.val
		m := roleARNRE().FindStringSubmatch(v)
		switch {
		case l.cfn && strings.Contains(v, "${"):
		case m == nil && !roleNameRE().MatchString(v):
			return l.errAt(p, "%q is neither an IAM role ARN nor a role name (an unfilled placeholder?)", v)
		case m == nil:
			l.warnAt(p, "%s is a role name, not an ARN: Kubernetes needs the full ARN (arn:aws:iam::<account>:role/%s)", r.key, v)
		case !accountRE().MatchString(m[1]):
			l.warnAt(p, "account %q in %s is not a 12-digit AWS account id (a placeholder?)", m[1], r.key)
		}
		*r.dst = v
	}
	return nil
}

var (
	cpuRE = lazyRegexp(`(?i)^\s*(\d*\.?\d+)\s*(vcpu)?\s*$`)
	memRE = lazyRegexp(`(?i)^\s*(\d*\.?\d+)\s*(gb|mb|mib|gib)?\s*$`)
)

// taskResources maps task-level cpu (units or vCPU) and memory (MiB or GB).
func (l *taskLoader) taskResources() error {
	r := &l.svc.Resources
	if c := l.td.CPU; c != nil && c.Text != "" {
		p := l.path(l.base, "cpu")
		m := cpuRE().FindStringSubmatch(c.Text)
		if m == nil {
			return l.errAt(p, "task cpu %q: want CPU units (\"1024\") or vCPU (\"1 vcpu\")", c.Text)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		if m[2] != "" {
			v *= 1024
		}
		r.CPURequest, r.CPULimit, r.Field = cpuMilli(int64(v+0.5)), cpuMilli(int64(v+0.5)), p
	}
	if mem := l.td.Memory; mem != nil && mem.Text != "" {
		p := l.path(l.base, "memory")
		m := memRE().FindStringSubmatch(mem.Text)
		if m == nil {
			return l.errAt(p, "task memory %q: want MiB (\"512\") or GB (\"0.5 GB\")", mem.Text)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		if u := strings.ToLower(m[2]); u == "gb" || u == "gib" {
			v *= 1024
		}
		r.MemRequest, r.MemLimit = mib(int64(v+0.5)), mib(int64(v+0.5))
		if r.Field == "" {
			r.Field = p
		}
		l.hasMemory = v > 0
	}
	return nil
}

// cpuMilli converts ECS CPU units (1024 per vCPU) to millicores, rounded: 256 → 250m.
func cpuMilli(units int64) int64 { return (units*1000 + 512) / 1024 }

func mib(n int64) int64 { return n << 20 }

func seconds(n int64) *time.Duration {
	d := time.Duration(n) * time.Second
	return &d
}

// platform maps runtimePlatform to os/arch.
func (l *taskLoader) platform() {
	rp := l.td.RuntimePlatform
	if rp == nil {
		return
	}
	osName := "linux"
	if strings.HasPrefix(strings.ToUpper(deref(rp.OperatingSystemFamily)), "WINDOWS") {
		osName = "windows"
	}
	switch strings.ToUpper(deref(rp.CPUArchitecture)) {
	case "ARM64":
		l.svc.Platform = osName + "/arm64"
	case "X86_64":
		l.svc.Platform = osName + "/amd64"
	default:
		// ECS runs Windows on x86_64 only; Linux without an architecture pins nothing.
		if osName == "windows" {
			l.svc.Platform = "windows/amd64"
		}
	}
}
