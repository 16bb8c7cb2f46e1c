package ecs

import (
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/model"
)

// maxContainers is ECS's fixed limit of containers per task definition.
const maxContainers = 10

// mapContainers maps the container definitions. Containers[0] is the main container (see
// mainFirst: essential, awaited by no other container, with ports if any); the others follow in
// input order. (Kubernetes has no "essential"; the main container owns the Service ports and the
// pod's fate, the others become sidecars or init containers in convert.)
func (l *taskLoader) mapContainers() error {
	defs := l.td.ContainerDefinitions
	switch {
	case len(defs) == 0:
		return l.errAt(l.cbase, "containerDefinitions must list at least one container")
	case len(defs) > maxContainers:
		return l.errAt(l.cbase, "%d containers: ECS allows at most %d per task definition", len(defs), maxContainers)
	}
	paths := make([]string, len(defs))
	for i := range defs {
		paths[i] = fmt.Sprintf("%s[%d]", l.cbase, i)
		if err := l.nameContainer(&defs[i], paths[i]); err != nil {
			return err
		}
	}
	l.order = mainFirst(defs)
	l.svc.Containers = make([]model.Container, len(defs))
	for i := range defs {
		c, err := l.container(&defs[i], paths[i])
		if err != nil {
			return err
		}
		l.svc.Containers[l.order[i]] = c
	}
	if !l.svc.Containers[0].Essential {
		return l.errAt(l.cbase, "at least one container must be essential (ECS rejects this)")
	}
	if err := l.dependencies(defs, paths); err != nil {
		return err
	}
	if err := l.volumesFrom(defs, paths); err != nil {
		return err
	}
	for i := range defs {
		l.taskWide(&defs[i], paths[i])
	}
	l.shareTaskSize()
	l.defaultStopTimeout()
	l.defaultRegion()
	l.finishService()
	return nil
}

// nameContainer checks a container's name and records its sanitized model name.
func (l *taskLoader) nameContainer(c *containerDef, p string) error {
	name := deref(c.Name)
	switch {
	case name == "":
		return l.errAt(p, "container name is required")
	case !familyRE().MatchString(name):
		return l.errAt(l.path(p, "name"), "container name %q is not valid: ECS wants 1-255 letters, digits, '-' or '_'", name)
	case l.names[name] != "":
		return l.errAt(l.path(p, "name"), "two containers are named %q", name)
	}
	s := sanitize(name)
	if orig, taken := l.sanitized[s]; taken {
		return l.errAt(l.path(p, "name"), "containers %q and %q both become %q in Kubernetes; rename one", orig, name, s)
	}
	if s == "" {
		return l.errAt(l.path(p, "name"), "container name %q leaves no usable Kubernetes name", name)
	}
	l.names[name] = s
	l.sanitized[s] = name
	return nil
}

// mainFirst returns, for each input index, the container's index in the model. The main
// container is the first essential one that no other container waits for (dependsOn), with
// port mappings if one has them; failing that, the first essential one with ports, else the
// first essential one.
func mainFirst(defs []containerDef) []int {
	awaited := map[string]bool{}
	for _, d := range defs {
		for _, dep := range d.DependsOn {
			awaited[deref(dep.ContainerName)] = true
		}
	}
	main := -1
	for _, pick := range []func(containerDef) bool{
		func(d containerDef) bool { return !awaited[deref(d.Name)] && len(d.PortMappings) > 0 },
		func(d containerDef) bool { return !awaited[deref(d.Name)] },
		func(d containerDef) bool { return len(d.PortMappings) > 0 },
		func(containerDef) bool { return true },
	} {
		for i, d := range defs {
			if essential(d) && pick(d) {
				main = i
				break
			}
		}
		if main >= 0 {
			break
		}
	}
	if main < 0 {
		main = 0
	}
	order := make([]int, len(defs))
	next := 1
	for i := range defs {
		if i == main {
			continue
		}
		order[i] = next
		next++
	}
	return order
}

func essential(d containerDef) bool { return d.Essential == nil || *d.Essential }

// container maps one container definition's own fields.
func (l *taskLoader) container(c *containerDef, p string) (model.Container, error) {
	mc := model.Container{
		Name:       l.names[*c.Name],
		Field:      p,
		Pos:        l.pos(p),
		Image:      deref(c.Image),
		Command:    c.EntryPoint,
		Args:       c.Command,
		WorkingDir: deref(c.WorkingDirectory),
		User:       deref(c.User),
		Privileged: deref(c.Privileged),
		ReadOnly:   deref(c.ReadonlyRootFilesystem),
		TTY:        deref(c.PseudoTerminal),
		Stdin:      deref(c.Interactive),
		Essential:  essential(*c),
	}
	if strings.TrimSpace(mc.Image) == "" {
		return mc, l.errAt(p, "image is required (ECS rejects a container without one)")
	}
	if c.StopTimeout != nil && *c.StopTimeout > 0 {
		mc.StopTimeout = seconds(*c.StopTimeout)
	}
	steps := []func(*containerDef, string, *model.Container) error{
		l.ports, l.resources, l.linux, l.health, l.env, l.ulimits,
	}
	for _, step := range steps {
		if err := step(c, p, &mc); err != nil {
			return mc, err
		}
	}
	l.containerPaths(p, &mc)
	m, err := l.mounts(c, p)
	mc.Mounts = m
	return mc, err
}

// ports maps portMappings. hostPort is kept (as Published) only with networkMode host, where the
// pod uses the node's network; elsewhere the pod IP plays the role of the task ENI or bridge. A
// bridge-mode hostPort other than the containerPort is the port clients dial: the Service's.
func (l *taskLoader) ports(c *containerDef, cp string, mc *model.Container) error {
	seen := map[string]bool{}
	for i, pm := range c.PortMappings {
		p := fmt.Sprintf("%s[%d]", l.path(cp, "portMappings"), i)
		if pm.ContainerPortRange != nil {
			l.warnAt(l.path(p, "containerPortRange"), "port ranges have no Kubernetes equivalent; list the ports one by one")
			continue
		}
		cport := deref(pm.ContainerPort)
		if pm.ContainerPort == nil || cport < 1 || cport > 65535 {
			return l.errAt(p, "containerPort must be 1-65535")
		}
		proto := model.TCP
		switch pr := deref(pm.Protocol); pr {
		case "", "tcp":
		case "udp":
			proto = model.UDP
		default:
			return l.errAt(l.path(p, "protocol"), "protocol %q: want tcp or udp", pr)
		}
		key := fmt.Sprintf("%d/%s", cport, proto)
		if seen[key] {
			l.warnAt(p, "port %s is mapped twice; the duplicate is dropped", key)
			continue
		}
		seen[key] = true
		port := model.Port{Target: int32(cport), Protocol: proto, Name: deref(pm.Name), AppProtocol: deref(pm.AppProtocol), Source: model.FromECS, Field: p}
		hp := deref(pm.HostPort)
		switch mode := l.svc.NetworkMode; {
		case hp < 0 || hp > 65535:
			return l.errAt(l.path(p, "hostPort"), "hostPort must be 0-65535")
		case hp == 0:
		case hp != cport && (mode == "awsvpc" || mode == "host"):
			return l.errAt(l.path(p, "hostPort"), "hostPort %d differs from containerPort %d: with networkMode %s ECS wants hostPort left out or equal to containerPort (it rejects this task definition)", hp, cport, mode)
		case mode == "host":
			port.Published = fmt.Sprint(hp)
		case hp != cport:
			// bridge: clients dial the host port, the Service stands in for it.
			port.ServicePort = int32(hp)
		}
		mc.Ports = append(mc.Ports, port)
	}
	return nil
}

// resources maps cpu units (a reservation: the request), memory (the hard limit),
// memoryReservation (the request) and GPUs.
func (l *taskLoader) resources(c *containerDef, p string, mc *model.Container) error {
	r := &mc.Resources
	for _, k := range []struct {
		set bool
		key string
	}{{c.CPU != nil, "cpu"}, {c.Memory != nil, "memory"}, {c.MemoryReservation != nil, "memoryReservation"}, {len(c.ResourceRequirements) > 0, "resourceRequirements"}} {
		if k.set && r.Field == "" {
			r.Field = l.path(p, k.key)
		}
	}
	if v := deref(c.CPU); v > 0 {
		r.CPURequest = cpuMilli(v)
	}
	mem, res := deref(c.Memory), deref(c.MemoryReservation)
	if mem > 0 {
		r.MemLimit = mib(mem)
	}
	if res > 0 {
		r.MemRequest = mib(res)
	}
	if mem > 0 && res > mem {
		return l.errAt(l.path(p, "memoryReservation"), "memoryReservation (%d MiB) is above memory (%d MiB)", res, mem)
	}
	if mem <= 0 && res <= 0 && !l.hasMemory {
		return l.errAt(p, "set memory or memoryReservation: the task has no memory, and ECS rejects a container without either")
	}
	for i, rr := range c.ResourceRequirements {
		rp := fmt.Sprintf("%s[%d]", l.path(p, "resourceRequirements"), i)
		if deref(rr.Type) != "GPU" {
			continue
		}
		var n int64
		if _, err := fmt.Sscanf(deref(rr.Value), "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != deref(rr.Value) {
			return l.errAt(l.path(rp, "value"), "GPU count %q: want a positive whole number", deref(rr.Value))
		}
		r.GPUs += n
	}
	return nil
}

// linux maps linuxParameters (tmpfs is in mounts).
func (l *taskLoader) linux(c *containerDef, p string, mc *model.Container) error {
	lp := c.LinuxParameters
	if lp == nil {
		return nil
	}
	if lp.Capabilities != nil {
		mc.CapAdd, mc.CapDrop = lp.Capabilities.Add, lp.Capabilities.Drop
	}
	mc.Init = deref(lp.InitProcessEnabled)
	if s := deref(lp.SharedMemorySize); s > 0 {
		mc.ShmSize = mib(s)
	}
	return nil
}

func (l *taskLoader) ulimits(c *containerDef, p string, mc *model.Container) error {
	for i, u := range c.Ulimits {
		up := fmt.Sprintf("%s[%d]", l.path(p, "ulimits"), i)
		if deref(u.Name) == "" {
			return l.errAt(up, "ulimit name is required")
		}
		mc.Ulimits = append(mc.Ulimits, model.Ulimit{Name: *u.Name, Soft: deref(u.SoftLimit), Hard: deref(u.HardLimit), Field: up})
	}
	return nil
}

// shareTaskSize merges the task size (task-level cpu and memory) into the containers, field by
// field, as ECS applies it: the task size is a hard bound on every container (a container's
// limit is its own memory, else the task's; its CPU limit is the task's cpu), and the containers
// that reserve no cpu (no memory nor memoryReservation) share what the others do not reserve
// (their requests). A container's own values always win. Kubernetes has no pod-wide limit, so
// the pod as a whole may use more than the task did: the report says so.
func (l *taskLoader) shareTaskSize() {
	task := l.svc.Resources
	cs := l.svc.Containers
	if task.CPULimit > 0 {
		var reserved, n int64
		for _, c := range cs {
			if c.Resources.CPURequest > 0 {
				reserved += c.Resources.CPURequest
			} else {
				n++
			}
		}
		for i := range cs {
			r := &cs[i].Resources
			if r.CPURequest == 0 && n > 0 && task.CPULimit > reserved {
				r.CPURequest = (task.CPULimit - reserved) / n
			}
			if r.CPULimit == 0 {
				r.CPULimit = task.CPULimit
			}
		}
	}
	if task.MemLimit > 0 {
		var reserved, n int64
		for _, c := range cs {
			switch r := c.Resources; {
			case r.MemRequest > 0:
				reserved += r.MemRequest
			case r.MemLimit > 0:
				reserved += r.MemLimit
			default:
				n++
			}
		}
		for i := range cs {
			r := &cs[i].Resources
			if r.MemRequest == 0 && r.MemLimit == 0 && n > 0 && task.MemLimit > reserved {
				r.MemRequest = (task.MemLimit - reserved) / n >> 20 << 20
			}
			if r.MemLimit == 0 {
				r.MemLimit = task.MemLimit
			}
		}
	}
}

// ecsStopTimeout is the stopTimeout ECS gives a container that sets none.
const ecsStopTimeout = 30 * time.Second

// defaultStopTimeout: the pod has one grace period, the longest stop timeout of the task, where a
// container without stopTimeout counts with ECS's 30 s default. (Without any stopTimeout the
// pod keeps Kubernetes' default, also 30 s.)
func (l *taskLoader) defaultStopTimeout() {
	s := l.svc
	if s.StopGrace == nil || *s.StopGrace >= ecsStopTimeout {
		return
	}
	for _, c := range s.Containers {
		if c.StopTimeout == nil {
			d := ecsStopTimeout
			s.StopGrace = &d
			return
		}
	}
}
