package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// hooks.go maps Compose post_start and pre_stop hooks to the container's lifecycle handlers
// (docs/mapping.md, "Lifecycle hooks"): docker compose runs each hook inside the running
// container (docker exec) after it starts, or before it stops it; the kubelet runs
// lifecycle.postStart right after the container starts and lifecycle.preStop before it sends
// SIGTERM.

// lifecycle sets the container's lifecycle handlers from its hooks.
func (b *builder) lifecycle(p *pod, x *ctr) {
	post := b.hookHandler(p, x, x.M.PostStart, "postStart")
	pre := b.hookHandler(p, x, x.M.PreStop, "preStop")
	if post != nil || pre != nil {
		x.K.Lifecycle = &corev1.Lifecycle{PostStart: post, PreStop: pre}
	}
}

// hookHandler is one exec handler running hooks in order: one hook's argv as is, several
// joined in one shell (&&: a failing hook stops the rest, as docker compose stops).
func (b *builder) hookHandler(p *pod, x *ctr, hooks []model.Hook, name string) *corev1.LifecycleHandler {
	if len(hooks) == 0 {
		return nil
	}
	svc := p.svc.Name
	st := b.secretInfo()
	for _, h := range hooks {
		for _, w := range h.Command {
			if len(st.occurring(w)) > 0 {
				for _, h := range hooks {
					b.ledger.Dropped(svc, h.Field, fmt.Sprintf("the %s hooks are not converted: a command holds a secret value, which a lifecycle handler would show in the manifest (it cannot read variables as $(VAR))", name))
				}
				return nil
			}
		}
	}
	cmd := hooks[0].Command
	if len(hooks) > 1 {
		parts := make([]string, len(hooks))
		for i, h := range hooks {
			words := make([]string, len(h.Command))
			for j, w := range h.Command {
				words[j] = shellQuote(w)
			}
			parts[i] = strings.Join(words, " ")
		}
		cmd = []string{"/bin/sh", "-c", strings.Join(parts, " && ")}
	}
	target := p.ctarget(x, "lifecycle."+name+".exec.command")
	for _, h := range hooks {
		var lost []string
		if len(hooks) > 1 {
			lost = append(lost, "the hooks run one after the other in one /bin/sh -c (the image needs a shell)")
		}
		if h.User != "" {
			lost = append(lost, "it runs as the container's user, not "+h.User)
		}
		if h.Privileged {
			lost = append(lost, "it runs with the container's privileges, not privileged")
		}
		if h.WorkingDir != "" {
			lost = append(lost, "it runs in the container's working directory, not "+h.WorkingDir)
		}
		if len(h.EnvNames) > 0 {
			lost = append(lost, "it sees the container's environment, without its own "+strings.Join(h.EnvNames, ", "))
		}
		if len(lost) > 0 {
			b.ledger.Partial(svc, h.Field, "hook "+h.Field+" became lifecycle."+name+": "+strings.Join(lost, "; "), target)
			continue
		}
		b.ledger.Mapped(svc, h.Field, target)
	}
	return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

// preStartOnce accounts the pre_start hooks of a service (init containers, laid out by
// sidecar.go): docker compose runs one once for the service unless it says per_replica, while
// an init container runs in every pod. With one pod that is the same; with more it is
// partial.
func (b *builder) preStartOnce(pl *plan, p *pod) {
	svc := pl.Svc
	var n int32 = 1
	switch {
	case svc.Global || pl.Kind == model.KindDaemonSet:
		n = 2 // one per node
	case autoscaled(pl):
		n = svc.Options.Autoscale.Max
	case svc.Replicas != nil:
		n = *svc.Replicas
	case b.opts.Replicas > 0:
		n = b.opts.Replicas
	}
	for i := range svc.Containers {
		c := &svc.Containers[i]
		if !c.RunOnce || n <= 1 || i >= len(p.Paths) {
			continue
		}
		b.ledger.Partial(svc.Name, c.Field, "docker compose runs pre_start hook "+c.Field+" once for the service; as an init container it runs in every pod: "+
			"make it safe to run concurrently, or set per_replica: true", p.target(p.Paths[i]))
	}
}

// hasPreStart reports whether svc has Compose pre_start hooks (containers the loader named
// pre-start-N under services.NAME.pre_start).
func hasPreStart(svc *model.Service) bool {
	for _, c := range svc.Containers[min(1, len(svc.Containers)):] {
		if strings.HasPrefix(c.Field, svc.Field+".pre_start[") {
			return true
		}
	}
	return false
}

// shiftInits moves the init container paths of a layout n places down (after n waits).
func shiftInits(paths []string, n int) []string {
	for i, pth := range paths {
		if rest, ok := strings.CutPrefix(pth, "initContainers["); ok && n > 0 {
			k, _ := strconv.Atoi(strings.TrimSuffix(rest, "]"))
			paths[i] = "initContainers[" + strconv.Itoa(k+n) + "]"
		}
	}
	return paths
}
