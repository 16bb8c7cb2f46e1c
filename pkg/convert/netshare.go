package convert

import (
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// netshare.go: `network_mode: service:X` makes a service share X's network namespace under
// Compose: localhost is X's (Ente's socat forwards localhost:3200 in museum's namespace to
// minio), what it listens on is reachable at X's address, and it has no address of its own.
// In Kubernetes only the containers of one pod share a network namespace, so such a service
// becomes a container of X's pod (X the end of a chain of service: modes). Its containers'
// settings go with it; its pod-level settings (replicas, restart, labels, hostname, deploy,
// its dependency on X) are X's from then on, which one warning per service says.

// sharer is a service folded into another's pod.
type sharer struct {
	name, host, field string
}

// foldSharers returns app with every service whose network_mode is service:X (X a
// long-running service of the app) moved into X's pod as containers, and the services moved.
// app itself is not modified. A service that cannot share (a one-shot or scheduled job, a
// global or replicated service, a host that is a job) stays as it is: netpol.go reports it.
func foldSharers(app *model.App) (*model.App, []sharer) {
	byName := map[string]*model.Service{}
	for _, s := range app.Services {
		byName[s.Name] = s
	}
	hostOf := func(s *model.Service) string {
		seen := map[string]bool{s.Name: true}
		x, ok := strings.CutPrefix(s.NetworkMode, "service:")
		for ok {
			h := byName[x]
			if h == nil || seen[x] {
				return ""
			}
			seen[x] = true
			if next, more := strings.CutPrefix(h.NetworkMode, "service:"); more {
				x = next
				continue
			}
			return x
		}
		return ""
	}
	var folded []sharer
	into := map[string][]*model.Service{}
	for _, s := range app.Services {
		h := hostOf(s)
		if h == "" || !runsOn(s) || !runsOn(byName[h]) || s.Global || (s.Replicas != nil && *s.Replicas != 1) {
			continue
		}
		folded = append(folded, sharer{name: s.Name, host: h, field: s.Field})
		into[h] = append(into[h], s)
	}
	if len(folded) == 0 {
		return app, nil
	}
	hostFor := map[string]string{}
	for _, f := range folded {
		hostFor[f.name] = f.host
	}
	out := *app
	out.Services = nil
	for _, s := range app.Services {
		if hostFor[s.Name] != "" {
			continue
		}
		cp := *s
		cp.DependsOn = redirectDeps(s.DependsOn, s.Name, hostFor)
		for _, g := range into[s.Name] {
			cp.Containers = append(slices.Clone(cp.Containers), g.Containers...)
			cp.DependsOn = redirectDeps(append(slices.Clone(cp.DependsOn), g.DependsOn...), s.Name, hostFor)
		}
		out.Services = append(out.Services, &cp)
	}
	return &out, folded
}

// redirectDeps points dependencies on a folded service at its host, drops those on self (a
// container of the pod cannot wait for its own pod) and keeps one per service, the first.
func redirectDeps(deps []model.Dependency, self string, hostFor map[string]string) []model.Dependency {
	var out []model.Dependency
	for _, d := range deps {
		if h := hostFor[d.Service]; h != "" {
			d.Service = h
		}
		if d.Service == self || slices.ContainsFunc(out, func(o model.Dependency) bool { return o.Service == d.Service }) {
			continue
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b model.Dependency) int { return strings.Compare(a.Service, b.Service) })
	return out
}

// runsOn reports whether svc runs as a long-lived pod (not a job, not a one-shot).
func runsOn(svc *model.Service) bool {
	switch {
	case svc == nil, svc.Trigger != nil, svc.Options.Schedule != "", svc.Restart == model.RestartNo:
		return false
	}
	for _, k := range []model.Kind{svc.Kind, svc.Options.Kind} {
		if k == model.KindJob || k == model.KindCronJob || k == model.KindDaemonSet {
			return false
		}
	}
	return true
}

// sharerWarnings says, per folded service, where it went and what of it no longer applies.
func (b *builder) sharerWarnings() {
	for _, f := range b.sharers {
		b.ledger.Partial(f.name, f.field, "network_mode service:"+f.host+": "+f.name+" runs as container "+f.name+
			" of "+f.host+"'s pod, which alone shares a network namespace in Kubernetes (localhost and "+f.host+
			"'s address are shared, as in Compose); its own pod-level settings (replicas, restart, labels, hostname, "+
			"deploy, its wait for "+f.host+") are "+f.host+"'s", b.name(f.host))
	}
}
