package ecs

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/model"
)

// dependencies maps dependsOn, checking what ECS checks at registration: the target exists,
// the condition is known, HEALTHY needs a health check, and COMPLETE/SUCCESS cannot wait for an
// essential container (it would never finish).
func (l *taskLoader) dependencies(defs []containerDef, paths []string) error {
	for i := range defs {
		c := &l.svc.Containers[l.order[i]]
		for j, dep := range defs[i].DependsOn {
			p := fmt.Sprintf("%s[%d]", l.path(paths[i], "dependsOn"), j)
			name := deref(dep.ContainerName)
			k, err := l.other(defs, i, name, l.path(p, "containerName"), "depend on")
			if err != nil {
				return err
			}
			cond := deref(dep.Condition)
			switch cond {
			case "START":
			case "HEALTHY":
				if defs[k].HealthCheck == nil {
					return l.errAt(l.path(p, "condition"), "HEALTHY needs a healthCheck on container %q", name)
				}
			case "COMPLETE", "SUCCESS":
				if essential(defs[k]) {
					return l.errAt(l.path(p, "condition"), "%s cannot wait for essential container %q (ECS rejects this)", cond, name)
				}
			default:
				return l.errAt(l.path(p, "condition"), "condition %q: want START, COMPLETE, SUCCESS or HEALTHY", cond)
			}
			c.DependsOn = append(c.DependsOn, model.ContainerDep{Container: l.names[name], Condition: cond, Field: p})
		}
	}
	return l.dependencyCycle(defs, paths)
}

// dependencyCycle rejects dependsOn cycles (ECS cannot start such a task either).
func (l *taskLoader) dependencyCycle(defs []containerDef, paths []string) error {
	state := make([]int, len(defs)) // 0 new, 1 on the path, 2 done
	var visit func(i int) int
	visit = func(i int) int {
		switch state[i] {
		case 1:
			return i
		case 2:
			return -1
		}
		state[i] = 1
		for _, dep := range defs[i].DependsOn {
			if k := l.index(defs, deref(dep.ContainerName)); k >= 0 {
				if c := visit(k); c >= 0 {
					return c
				}
			}
		}
		state[i] = 2
		return -1
	}
	for i := range defs {
		if c := visit(i); c >= 0 {
			return l.errAt(l.path(paths[c], "dependsOn"), "dependsOn forms a cycle through container %q", deref(defs[c].Name))
		}
	}
	return nil
}

// taskWide folds the container fields that are per pod in Kubernetes into the service:
// links, hostname, DNS, extra hosts, sysctls, labels, registry credentials, stop timeout.
func (l *taskLoader) taskWide(c *containerDef, p string) {
	s := l.svc
	for _, ln := range c.Links {
		name, alias, _ := strings.Cut(ln, ":")
		if n := l.names[name]; n != "" {
			name = n
		}
		s.PodLinks = appendNew(s.PodLinks, name)
		if alias != "" && sanitize(alias) == alias {
			s.PodLinks = appendNew(s.PodLinks, alias)
		}
	}
	if h := deref(c.Hostname); h != "" {
		if s.Hostname != "" && s.Hostname != h {
			l.warnAt(l.path(p, "hostname"), "a pod has one hostname: %q is kept, %q dropped", s.Hostname, h)
		} else {
			s.Hostname = h
			s.Paths.Add(model.KeyHostname, l.path(p, "hostname"))
		}
	}
	for _, d := range c.DNSServers {
		s.DNS = appendNew(s.DNS, d)
	}
	for _, d := range c.DNSSearchDomains {
		s.DNSSearch = appendNew(s.DNSSearch, d)
	}
	l.record(&s.Paths, p, []keyed{
		{model.KeyDNS, len(c.DNSServers) > 0, []string{"dnsServers"}},
		{model.KeyDNSSearch, len(c.DNSSearchDomains) > 0, []string{"dnsSearchDomains"}},
		{model.KeyStopGrace, deref(c.StopTimeout) > 0, []string{"stopTimeout"}},
	})
	for i, h := range c.ExtraHosts {
		s.ExtraHosts = addHost(s.ExtraHosts, deref(h.IPAddress), deref(h.Hostname), fmt.Sprintf("%s[%d]", l.path(p, "extraHosts"), i))
	}
	for i, sc := range c.SystemControls {
		sp := fmt.Sprintf("%s[%d]", l.path(p, "systemControls"), i)
		s.Sysctls = l.putKV(s.Sysctls, model.KV{Key: deref(sc.Namespace), Value: deref(sc.Value), Field: sp}, "sysctl")
	}
	for _, k := range sortedKeys(c.DockerLabels) {
		s.Labels = l.putKV(s.Labels, model.KV{Key: k, Value: c.DockerLabels[k], Field: l.path(p, "dockerLabels")}, "label")
	}
	if rc := c.RepositoryCredentials; rc != nil && deref(rc.CredentialsParameter) != "" {
		l.pullSecret(*rc.CredentialsParameter, l.path(p, "repositoryCredentials", "credentialsParameter"))
	}
	if st := deref(c.StopTimeout); st > 0 {
		d := time.Duration(st) * time.Second
		if s.StopGrace == nil || *s.StopGrace < d {
			s.StopGrace = &d
		}
	}
}

func (l *taskLoader) pullSecret(v, p string) {
	ref, err := l.secretRef(v, p)
	if err != nil {
		l.warnAt(p, "registry credentials are not a Secrets Manager reference; no pull secret is emitted")
		return
	}
	for _, r := range l.svc.PullSecrets {
		if r.Ref == ref.Ref {
			return
		}
	}
	l.svc.PullSecrets = append(l.svc.PullSecrets, *ref)
}

// putKV sets kv in a list sorted by key; a different value for the same key warns and loses.
func (l *taskLoader) putKV(list []model.KV, kv model.KV, what string) []model.KV {
	i := sort.Search(len(list), func(i int) bool { return list[i].Key >= kv.Key })
	if i < len(list) && list[i].Key == kv.Key {
		if list[i].Value != kv.Value {
			l.warnAt(kv.Field, "%s %s is set differently by two containers; a pod has one: %q is kept", what, kv.Key, list[i].Value)
		}
		return list
	}
	list = append(list, model.KV{})
	copy(list[i+1:], list[i:])
	list[i] = kv
	return list
}

// finishService sorts what the model wants sorted.
func (l *taskLoader) finishService() {
	sort.SliceStable(l.svc.ExtraHosts, func(i, j int) bool { return l.svc.ExtraHosts[i].IP < l.svc.ExtraHosts[j].IP })
	sort.SliceStable(l.svc.Labels, func(i, j int) bool { return l.svc.Labels[i].Key < l.svc.Labels[j].Key })
}

func addHost(list []model.HostAlias, ip, host, field string) []model.HostAlias {
	for i := range list {
		if list[i].IP == ip {
			list[i].Hostnames = appendNew(list[i].Hostnames, host)
			return list
		}
	}
	return append(list, model.HostAlias{IP: ip, Hostnames: []string{host}, Field: field})
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
