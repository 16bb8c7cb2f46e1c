package compose

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

func (m *mapper) service(name string, svc types.ServiceConfig) (*model.Service, error) {
	return m.workload("services."+name, name, svc)
}

// workload maps a service, or a job (a container run to completion: the same attributes
// under jobs.NAME), whose input path is f.
func (m *mapper) workload(f, name string, svc types.ServiceConfig) (*model.Service, error) {
	s := &model.Service{
		Name:  name,
		Field: f,
		Pos:   m.idx.at(f),
		Links: svc.Links,
		// container_name is one more DNS name the connection audit resolves (convert).
		ContainerName: svc.ContainerName,
		Hostname:      svc.Hostname,
		Domainname:    svc.DomainName,
		DNS:           svc.DNS,
		DNSSearch:     svc.DNSSearch,
		DNSOptions:    svc.DNSOpts,
		Sysctls:       kvs(svc.Sysctls, f+".sysctls"),
		Labels:        kvs(svc.Labels, f+".labels"),
		Platform:      svc.Platform,
		NetworkMode:   svc.NetworkMode,
		IPC:           svc.Ipc,
		PID:           svc.Pid,
		StopGrace:     duration(svc.StopGracePeriod),
		Profiles:      svc.Profiles,
		ExtraHosts:    hostAliases(svc.ExtraHosts, f+".extra_hosts"),
	}
	if err := m.decodeExt(svc.Extensions, name, f, &s.Options); err != nil {
		return nil, err
	}
	if err := m.checkOptions(name, f, &s.Options); err != nil {
		return nil, err
	}
	s.Kind = s.Options.Kind
	m.replicas(s, svc)
	m.restart(s, svc)
	s.Rollout = rollout(f, svc.Deploy)
	if svc.Deploy != nil {
		for i, c := range svc.Deploy.Placement.Constraints {
			s.Constraints = append(s.Constraints, model.KV{Key: c, Field: f + ".deploy.placement.constraints[" + strconv.Itoa(i) + "]"})
		}
	}
	for _, n := range sortedKeys(svc.Networks) {
		if m.idx.has(f+".networks."+n) || m.idx.has("networks."+n) {
			s.Networks = append(s.Networks, n) // not the implicit default network
		}
	}
	for _, dep := range sortedKeys(svc.DependsOn) {
		d := svc.DependsOn[dep]
		cond := model.Condition(d.Condition)
		if cond == "" {
			cond = model.ConditionStarted
		}
		dd := model.Dependency{Service: dep, Condition: cond, Required: d.Required, Restart: d.Restart, Field: f + ".depends_on." + dep}
		if !m.idx.has(dd.Field) {
			dd.Implicit, dd.Restart, dd.Field = true, false, impliedBy(f, svc, dep)
		}
		if dd.Restart {
			dd.RestartField = dd.Field + ".restart"
		}
		s.DependsOn = append(s.DependsOn, dd)
	}
	c, err := m.container(name, f, svc, &s.Options)
	if err != nil {
		return nil, err
	}
	s.Containers = []model.Container{c}
	if err := m.preStart(s, svc); err != nil {
		return nil, err
	}
	m.servicePaths(s, svc)
	return s, nil
}

func (m *mapper) replicas(s *model.Service, svc types.ServiceConfig) {
	if d := svc.Deploy; d != nil {
		switch d.Mode {
		case "global":
			s.Global = true
		case "replicated-job", "global-job":
			if s.Kind == model.KindAuto {
				s.Kind = model.KindJob
			}
		}
		if d.Replicas != nil {
			s.Replicas = int32p(*d.Replicas)
			return
		}
	}
	if svc.Scale != nil {
		s.Replicas = int32p(*svc.Scale)
	}
}

// restart maps restart (which wins, as in docker compose) or deploy.restart_policy.
func (m *mapper) restart(s *model.Service, svc types.ServiceConfig) {
	if svc.Restart != "" {
		policy, n, _ := strings.Cut(svc.Restart, ":")
		s.Restart = model.Restart(policy)
		if policy == string(model.RestartOnFailure) && n != "" {
			if v, err := strconv.Atoi(n); err == nil {
				s.MaxAttempts = int32p(v)
			}
		}
		return
	}
	if svc.Deploy == nil || svc.Deploy.RestartPolicy == nil {
		return
	}
	rp := svc.Deploy.RestartPolicy
	switch rp.Condition {
	case "none":
		s.Restart = model.RestartNo
	case "on-failure":
		s.Restart = model.RestartOnFailure
	case "any", "":
		s.Restart = model.RestartAlways
	}
	if rp.MaxAttempts != nil {
		s.MaxAttempts = int32p(int(min(*rp.MaxAttempts, math.MaxInt32)))
	}
}

// hostAliases groups extra_hosts (host → IPs) by IP, sorted by IP, hostnames sorted.
func hostAliases(h types.HostsList, base string) []model.HostAlias {
	byIP := map[string][]string{}
	for host, ips := range h {
		for _, ip := range ips {
			byIP[ip] = append(byIP[ip], host)
		}
	}
	out := make([]model.HostAlias, 0, len(byIP))
	for _, ip := range sortedKeys(byIP) {
		hosts := byIP[ip]
		sort.Strings(hosts)
		out = append(out, model.HostAlias{IP: ip, Hostnames: hosts, Field: base})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// rollout maps deploy.update_config the way swarm applies it: parallelism tasks at a time,
// stop-first (the default) takes old pods down first, start-first starts new ones first.
func rollout(f string, d *types.DeployConfig) *model.Rollout {
	if d == nil || d.UpdateConfig == nil {
		return nil
	}
	step := "1"
	if p := d.UpdateConfig.Parallelism; p != nil {
		step = strconv.FormatUint(*p, 10)
		if *p == 0 { // swarm: all at once
			step = "100%"
		}
	}
	r := &model.Rollout{MaxSurge: "0", MaxUnavailable: step, Field: f + ".deploy.update_config"}
	if d.UpdateConfig.Order == "start-first" {
		r.MaxSurge, r.MaxUnavailable = step, "0"
	}
	return r
}

// aliases sets the extra DNS names services are reached by: their network aliases and the
// link aliases other services use for them (links: ["db:database"] makes db reachable as
// "database").
func aliases(app *model.App, p *types.Project) {
	names := map[string]map[string]bool{}
	add := func(svc, alias string) {
		if alias == "" || alias == svc {
			return
		}
		if names[svc] == nil {
			names[svc] = map[string]bool{}
		}
		names[svc][alias] = true
	}
	for name, svc := range p.Services {
		for _, n := range svc.Networks {
			if n != nil {
				for _, a := range n.Aliases {
					add(name, a)
				}
			}
		}
		for _, l := range svc.Links {
			target, alias, _ := strings.Cut(l, ":")
			add(target, alias)
		}
	}
	for _, s := range app.Services {
		s.Aliases = append(s.Aliases, sortedKeys(names[s.Name])...)
	}
}

func int32p(v int) *int32 {
	if v > math.MaxInt32 {
		v = math.MaxInt32
	}
	if v < math.MinInt32 {
		v = math.MinInt32
	}
	x := int32(v)
	return &x
}

func duration(d *types.Duration) *time.Duration {
	if d == nil {
		return nil
	}
	x := time.Duration(*d)
	return &x
}

// impliedBy is the field that made compose-go add a dependency on dep that depends_on does
// not list: network_mode service:dep, volumes_from, or links.
func impliedBy(f string, svc types.ServiceConfig, dep string) string {
	switch {
	case svc.NetworkMode == "service:"+dep:
		return f + ".network_mode"
	case slices.ContainsFunc(svc.VolumesFrom, func(v string) bool { return v == dep || strings.HasPrefix(v, dep+":") }):
		return f + ".volumes_from"
	case len(svc.Links) > 0:
		return f + ".links"
	}
	return f
}
