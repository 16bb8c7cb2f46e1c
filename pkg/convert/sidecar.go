package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// Container layout of a service with several containers (an ECS task). ECS starts containers in dependsOn order and stops the task
// when an essential container exits; Kubernetes starts init containers one by one, then all
// regular containers together. The closest mapping:
//
//   - a non-essential container another one waits for with COMPLETE or SUCCESS runs to
//     completion: a plain init container;
//   - a container another one waits for with START or HEALTHY, and any other non-essential
//     container, is long-running: a native sidecar (init container with restartPolicy Always;
//     a startupProbe from its health check when someone waits for HEALTHY, so the next
//     container starts only once it is healthy);
//   - the rest (and always Containers[0], the main container) are regular containers.
//
// A container that would run before the regular containers but waits for one of them cannot:
// it stays a regular container and the wait is reported. Init containers are ordered by their
// dependencies, then by input order.

// layout kinds.
const (
	slotMain    = "main"
	slotInit    = "init"
	slotSidecar = "sidecar"
)

// layout returns the pod path of each container of svc ("containers[i]" or
// "initContainers[i]"), or nil when every container is a regular one in model order.
func (b *builder) layout(svc *model.Service) []string {
	if len(svc.Containers) < 2 {
		return nil
	}
	kinds := ecsKinds(svc)
	order := initOrder(svc, kinds)
	paths := make([]string, len(svc.Containers))
	for k, i := range order {
		paths[i] = fmt.Sprintf("initContainers[%d]", k)
	}
	n := 0
	for i := range svc.Containers {
		if kinds[i] == slotMain {
			paths[i] = fmt.Sprintf("containers[%d]", n)
			n++
		}
	}
	return paths
}

// ecsKinds classifies each container as main, init or sidecar.
func ecsKinds(svc *model.Service) []string {
	idx := containerIndexes(svc)
	runOnce, awaited := make([]bool, len(svc.Containers)), make([]bool, len(svc.Containers))
	for _, c := range svc.Containers {
		for _, d := range c.DependsOn {
			j, ok := idx[d.Container]
			if !ok {
				continue
			}
			switch d.Condition {
			case "COMPLETE", "SUCCESS":
				runOnce[j] = !svc.Containers[j].Essential
			default:
				awaited[j] = true
			}
		}
	}
	kinds := make([]string, len(svc.Containers))
	for i, c := range svc.Containers {
		switch {
		case i == 0:
			kinds[i] = slotMain
		case runOnce[i], dataOnly(svc, i):
			kinds[i] = slotInit
		case awaited[i] || !c.Essential:
			kinds[i] = slotSidecar
		default:
			kinds[i] = slotMain
		}
	}
	// A container placed before the regular ones cannot wait for one of them.
	for changed := true; changed; {
		changed = false
		for i, c := range svc.Containers {
			if kinds[i] == slotMain {
				continue
			}
			for _, d := range c.DependsOn {
				if j, ok := idx[d.Container]; ok && kinds[j] == slotMain {
					kinds[i], changed = slotMain, true
					break
				}
			}
		}
	}
	return kinds
}

func containerIndexes(svc *model.Service) map[string]int {
	idx := make(map[string]int, len(svc.Containers))
	for i, c := range svc.Containers {
		idx[c.Name] = i
	}
	return idx
}

// initOrder lists the init and sidecar containers so that each comes after what it waits
// for (the loader rejects cycles), ties in input order.
func initOrder(svc *model.Service, kinds []string) []int {
	idx := containerIndexes(svc)
	done := make([]bool, len(svc.Containers))
	var order []int
	var visit func(i int)
	visit = func(i int) {
		if done[i] || kinds[i] == slotMain {
			return
		}
		done[i] = true
		for _, d := range svc.Containers[i].DependsOn {
			if j, ok := idx[d.Container]; ok {
				visit(j)
			}
		}
		order = append(order, i)
	}
	for i := range svc.Containers {
		visit(i)
	}
	return order
}

// containerPath is where container ci of the pod goes.
func (p *pod) containerPath(ci int) string {
	if ci < len(p.Paths) && p.Paths[ci] != "" {
		return p.Paths[ci]
	}
	return fmt.Sprintf("containers[%d]", ci)
}

// place puts a built container at its path: a regular container, a plain init container
// (probes removed: it runs to completion) or a native sidecar (restartPolicy Always).
func (b *builder) place(p *pod, x *ctr) {
	if !strings.HasPrefix(x.Path, "initContainers[") {
		p.Spec.Containers = append(p.Spec.Containers, *x.K)
		return
	}
	k := slotIndex(x.Path)
	if b.sidecar(p.svc, x.M) {
		x.K.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	} else if x.K.ReadinessProbe != nil || x.K.LivenessProbe != nil || x.K.StartupProbe != nil {
		x.K.ReadinessProbe, x.K.LivenessProbe, x.K.StartupProbe = nil, nil, nil
		b.ledger.Partial(p.svc.Name, x.M.Health.Field, fmt.Sprintf(
			"container %s runs to completion as an init container, which cannot have probes: its healthCheck is not converted", x.M.Name), p.ctarget(x, ""))
	}
	for len(p.Spec.InitContainers) <= k {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{})
	}
	p.Spec.InitContainers[k] = *x.K
}

// dataOnly reports whether container i exists only to share its volumes: non-essential, no
// entryPoint or command, no port, no health check, nobody waits for it, and another container
// names it in volumesFrom. ECS runs it once; it becomes a plain init container (runs once)
// rather than a sidecar that would exit and restart forever.
func dataOnly(svc *model.Service, i int) bool {
	c := &svc.Containers[i]
	if c.Essential || len(c.Command)+len(c.Args)+len(c.Ports) > 0 || c.Health != nil {
		return false
	}
	shared := false
	for _, o := range svc.Containers {
		for _, d := range o.DependsOn {
			if d.Container == c.Name {
				return false
			}
		}
		for _, m := range o.Mounts {
			shared = shared || m.FromContainer == c.Name
		}
	}
	return shared
}

// sidecar reports whether c is a long-running init container (not awaited to complete, not a
// data-only container).
func (b *builder) sidecar(svc *model.Service, c *model.Container) bool {
	for i := range svc.Containers {
		if svc.Containers[i].Name == c.Name && dataOnly(svc, i) {
			return false
		}
	}
	for _, o := range svc.Containers {
		for _, d := range o.DependsOn {
			if d.Container == c.Name && (d.Condition == "COMPLETE" || d.Condition == "SUCCESS") {
				return false
			}
		}
	}
	return true
}

// containerDependencies accounts essential and dependsOn of every container of a pod, and gives
// a sidecar someone waits HEALTHY for a startupProbe (its readiness check).
func (b *builder) containerDependencies(p *pod) {
	svc := p.svc
	idx := containerIndexes(svc)
	for i := range svc.Containers {
		c := &svc.Containers[i]
		b.accountEssential(p, c, p.containerPath(i))
		for _, d := range c.DependsOn {
			j := idx[d.Container]
			b.accountDependency(p, c, d, p.containerPath(i), p.containerPath(j))
		}
	}
}

func (b *builder) accountEssential(p *pod, c *model.Container, path string) {
	field, svc := c.Paths.Of(model.KeyEssential), p.svc.Name
	if field == "" {
		return // a format without the field (Compose): every container is essential
	}
	init := strings.HasPrefix(path, "initContainers")
	switch {
	case c.Essential && !init:
		b.ledger.Mapped(svc, field, p.target(path))
	case c.Essential:
		b.ledger.Partial(svc, field, fmt.Sprintf("essential container %s runs as a native sidecar so that others can wait for it: if it exits, Kubernetes restarts it instead of stopping the whole task", c.Name), p.target(path))
	case init && !b.sidecar(p.svc, c) && !b.awaitedOnce(p.svc, c):
		b.ledger.Partial(svc, field, fmt.Sprintf("container %s only shares its volumes (non-essential, no command, named by volumesFrom): it runs once as a plain init container instead of a sidecar that would restart forever, and its volumes stay with the containers that use them (if its image does not exit by itself, remove the container)", c.Name), p.target(path))
	case init && b.sidecar(p.svc, c):
		b.ledger.Mapped(svc, field, p.target(path)+".restartPolicy")
	case init:
		b.ledger.Mapped(svc, field, p.target(path))
	default:
		b.ledger.Partial(svc, field, fmt.Sprintf("non-essential container %s is a regular container: Kubernetes restarts it when it exits, where ECS leaves it stopped", c.Name), p.target(path))
	}
}

// accountDependency records what became of one dependsOn entry of c (at path) on the container
// at target path.
func (b *builder) accountDependency(p *pod, c *model.Container, d model.ContainerDep, path, target string) {
	svc := p.svc.Name
	initTarget := strings.HasPrefix(target, "initContainers")
	switch {
	case initTarget && d.Condition == "SUCCESS":
		b.ledger.Mapped(svc, d.Field, p.target(target))
	case initTarget && d.Condition == "COMPLETE":
		b.ledger.Partial(svc, d.Field, fmt.Sprintf("COMPLETE on %s: an init container must exit 0 before %s starts; ECS also accepted a failure", d.Container, c.Name), p.target(target))
	case initTarget && d.Condition == "HEALTHY":
		b.healthyStartup(p, target)
		b.ledger.Mapped(svc, d.Field, p.target(target+".startupProbe"))
	case initTarget:
		b.ledger.Mapped(svc, d.Field, p.target(target))
	case strings.HasPrefix(path, "containers") && d.Condition == "START" && slotIndex(target) < slotIndex(path):
		b.ledger.Partial(svc, d.Field, fmt.Sprintf("%s is started before %s (container order), but Kubernetes does not wait for it to be running", d.Container, c.Name), p.target(target))
	default:
		b.ledger.Partial(svc, d.Field, fmt.Sprintf("%s and %s are both regular containers, which Kubernetes starts together: %s does not wait for %s to be %s", d.Container, c.Name, c.Name, d.Container, strings.ToLower(d.Condition)), p.target(path))
	}
}

// healthyStartup gives the sidecar at path a startupProbe from its readiness probe, so the
// containers after it start once it is healthy (kubelet waits for a sidecar's startupProbe).
func (b *builder) healthyStartup(p *pod, path string) {
	k := slotIndex(path)
	if k >= len(p.Spec.InitContainers) {
		return
	}
	ic := &p.Spec.InitContainers[k]
	if ic.StartupProbe == nil && ic.ReadinessProbe != nil {
		ic.StartupProbe = ic.ReadinessProbe.DeepCopy()
	}
}

// slotIndex is the index in a "containers[i]" or "initContainers[i]" path.
func slotIndex(path string) int {
	_, rest, _ := strings.Cut(path, "[")
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil {
		return 0
	}
	return n
}

// awaitedOnce reports whether another container waits for c to COMPLETE or succeed.
func (b *builder) awaitedOnce(svc *model.Service, c *model.Container) bool {
	for _, o := range svc.Containers {
		for _, d := range o.DependsOn {
			if d.Container == c.Name && (d.Condition == "COMPLETE" || d.Condition == "SUCCESS") {
				return true
			}
		}
	}
	return false
}
