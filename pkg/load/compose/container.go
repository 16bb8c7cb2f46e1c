package compose

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

func (m *mapper) container(name, f string, svc types.ServiceConfig, opts *model.ServiceOptions) (model.Container, error) {
	c := model.Container{
		Name:        name,
		Field:       f,
		Pos:         m.idx.at(f),
		Image:       svc.Image,
		WorkingDir:  svc.WorkingDir,
		User:        svc.User,
		CapAdd:      svc.CapAdd,
		CapDrop:     svc.CapDrop,
		SecurityOpt: svc.SecurityOpt,
		Privileged:  svc.Privileged,
		ReadOnly:    svc.ReadOnly,
		Init:        svc.Init != nil && *svc.Init,
		TTY:         svc.Tty,
		Stdin:       svc.StdinOpen,
		Essential:   true,
		ShmSize:     int64(svc.ShmSize),
		Ulimits:     ulimits(svc.Ulimits, f+".ulimits"),
		Health:      m.health(name, f, svc.HealthCheck),
		Resources:   m.resources(name, f, svc),
		Build:       m.build(f, svc),
		PullPolicy:  svc.PullPolicy,
	}
	if svc.Entrypoint != nil {
		c.Command = []string(svc.Entrypoint)
	}
	if svc.Command != nil {
		c.Args = []string(svc.Command)
	}
	if c.Image == "" && svc.Build != nil {
		c.Image = m.project.Name + "-" + name
		c.BuildOnly = true // convert warns that it must be built and pushed
	}
	c.Env = m.env(name, f, svc.Environment, opts)
	m.envSources(c.Env, svc.EnvFiles)
	ports, err := m.ports(name, f, svc, opts)
	if err != nil {
		return c, err
	}
	if svc.Build != nil {
		built, broken := m.builtStage(svc)
		switch {
		case built != nil && len(ports) == 0:
			ports = stagePorts(built, f+".build")
		case broken != "" && len(ports) == 0:
			m.warnAt(name, f+".build", "the ports the image listens on cannot be read: %s", broken)
		}
		if built != nil && c.Build != nil {
			c.Build.BaseImage = built.base
		}
	}
	if len(ports) == 0 {
		ports = proxyLabelPorts(svc.Labels, f+".labels")
	}
	c.Ports = ports
	c.Mounts = m.mounts(name, f, svc)
	if len(svc.GroupAdd) > 0 {
		c.GroupAdd, c.GroupAddField = svc.GroupAdd, f+".group_add"
	}
	c.PostStart = hooks(f+".post_start", svc.PostStart)
	c.PreStop = hooks(f+".pre_stop", svc.PreStop)
	m.containerPaths(&c, svc)
	return c, nil
}

// hooks maps post_start or pre_stop hooks (field is their list).
func hooks(field string, in []types.ServiceHook) []model.Hook {
	var out []model.Hook
	for i, h := range in {
		out = append(out, model.Hook{Command: []string(h.Command), User: h.User, WorkingDir: h.WorkingDir, Privileged: h.Privileged,
			EnvNames: sortedKeys(h.Environment), Field: field + "[" + strconv.Itoa(i) + "]"})
	}
	return out
}

// env lists variables in input order (environment first, then env_file-only ones by name).
func (m *mapper) env(name, f string, env types.MappingWithEquals, opts *model.ServiceOptions) []model.EnvVar {
	if len(env) == 0 {
		return nil
	}
	var order []string
	seen := map[string]bool{}
	if n := m.idx.service(name).get(".environment"); n != nil {
		for _, k := range n.kids {
			key := k.seg[1:]
			if _, ok := env[key]; ok && k.seg[0] == '.' && !seen[key] {
				order = append(order, key)
				seen[key] = true
			}
		}
	}
	for _, k := range sortedKeys(env) {
		if !seen[k] {
			order = append(order, k)
		}
	}
	out := make([]model.EnvVar, 0, len(order))
	var unset []string
	unsetField := ""
	for _, k := range order {
		field := f + ".environment." + k
		if !seen[k] {
			field = f + ".env_file"
		}
		v := model.EnvVar{Name: k, Field: field, Secret: slices.Contains(opts.SecretEnv, k)}
		if p := env[k]; p != nil {
			v.Value = *p
		} else {
			v.Unset = true
			unset = append(unset, k)
			if unsetField == "" {
				unsetField = field
			}
		}
		out = append(out, v)
	}
	m.warnDeclaredUnset(name, f, unsetField, unset)
	return out
}

// warnDeclaredUnset says once per service which variables are declared without a value (a file of
// 40 such variables is one line, not 40): for one, at its field; for more, at the service's
// environment (or env_file when none is in environment), listing the names.
func (m *mapper) warnDeclaredUnset(name, f, first string, unset []string) {
	switch {
	case len(unset) == 1:
		m.warnAt(name, first, "%s is declared without a value and is not set in the environment: it is not set in Kubernetes", unset[0])
	case len(unset) > 1:
		field := f + ".environment"
		if m.idx.service(name).get(".environment") == nil {
			field = f + ".env_file"
		}
		m.warnAt(name, field, "%d variables are declared without a value and are not set in the environment, so they are not set in "+
			"Kubernetes: %s (give them values: environment, .env or --env-file)", len(unset), nameList(unset))
	}
}

// unsetListed is how many names a warning about variables declared without a value lists: a
// Compose file that passes its whole configuration through (Baserow: 173 variables, shared by
// four services through one anchor) would otherwise bury every other warning; the report has
// each variable as a dropped field.
const unsetListed = 10

// nameList lists the first unsetListed names and counts the rest.
func nameList(names []string) string {
	if len(names) <= unsetListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more (the report lists each)", strings.Join(names[:unsetListed], ", "), len(names)-unsetListed)
}

func (m *mapper) ports(name, f string, svc types.ServiceConfig, opts *model.ServiceOptions) ([]model.Port, error) {
	var out []model.Port
	match := m.matcher(name, "ports", portKeys(m.expand))
	for _, p := range svc.Ports {
		out = append(out, model.Port{
			Target:      int32(min(p.Target, math.MaxInt32)),
			Published:   p.Published,
			HostIP:      p.HostIP,
			Protocol:    protocol(p.Protocol),
			Name:        p.Name,
			AppProtocol: p.AppProtocol,
			Source:      model.FromPorts,
			Field:       match(portKey(p.Target, p.Published, p.Protocol), f+".ports"),
		})
	}
	exp := m.matcher(name, "expose", scalarKeys(m.expand))
	for _, e := range svc.Expose {
		field := exp(e, f+".expose")
		spec, proto, _ := strings.Cut(e, "/")
		lo, hi, err := portRange(spec)
		if err != nil {
			return nil, m.errorf(name, field, "invalid expose %q: %v", e, err)
		}
		for p := lo; p <= hi; p++ {
			out = append(out, model.Port{Target: p, Protocol: protocol(proto), Source: model.FromExpose, Field: field})
		}
	}
	for i, p := range opts.Ports {
		field := f + ".x-berth.ports[" + strconv.Itoa(i) + "]"
		if p < 1 || p > 65535 {
			return nil, m.errorf(name, field, "port %d is out of range 1-65535", p)
		}
		out = append(out, model.Port{Target: p, Protocol: model.TCP, Source: model.FromBerth, Field: field})
	}
	return out, nil
}

func portKey(target uint32, published, proto string) string {
	if proto == "" {
		proto = "tcp"
	}
	return strconv.FormatUint(uint64(target), 10) + "/" + published + "/" + strings.ToLower(proto)
}

// portRange parses "80" or "8000-8002".
func portRange(s string) (int32, int32, error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.ParseUint(a, 10, 16)
	if err != nil || lo == 0 {
		return 0, 0, strconv.ErrSyntax
	}
	hi := lo
	if isRange {
		hi, err = strconv.ParseUint(b, 10, 16)
		if err != nil || hi < lo {
			return 0, 0, strconv.ErrSyntax
		}
	}
	return int32(lo), int32(hi), nil
}

func protocol(p string) model.Protocol {
	switch strings.ToLower(p) {
	case "udp":
		return model.UDP
	case "sctp":
		return model.SCTP
	default:
		return model.TCP
	}
}

func ulimits(u map[string]*types.UlimitsConfig, base string) []model.Ulimit {
	var out []model.Ulimit
	for _, name := range sortedKeys(u) {
		l := u[name]
		if l == nil {
			continue
		}
		soft, hard := int64(l.Soft), int64(l.Hard)
		if l.Single != 0 {
			soft, hard = int64(l.Single), int64(l.Single)
		}
		out = append(out, model.Ulimit{Name: name, Soft: soft, Hard: hard, Field: base + "." + name})
	}
	return out
}

// proxyLabelPorts are the ports a reverse proxy's routing labels send traffic to: Traefik's
// traefik.http.services.<name>.loadbalancer.server.port, sorted, without duplicates.
func proxyLabelPorts(labels types.Labels, field string) []model.Port {
	var out []model.Port
	for _, k := range sortedKeys(labels) {
		if !strings.HasPrefix(k, "traefik.http.services.") || !strings.HasSuffix(k, ".loadbalancer.server.port") {
			continue
		}
		p, err := strconv.ParseUint(strings.TrimSpace(labels[k]), 10, 16)
		if err != nil || p == 0 || slices.ContainsFunc(out, func(x model.Port) bool { return x.Target == int32(p) }) {
			continue
		}
		out = append(out, model.Port{Target: int32(p), Protocol: model.TCP, Source: model.FromProxyLabel, Field: field + "." + k})
	}
	return out
}

// envSources sets File on the variables that came from an env_file (Field ends in .env_file):
// the last of the service's env files that defines the name, as Compose reads them in order.
func (m *mapper) envSources(env []model.EnvVar, files []types.EnvFile) {
	keys := make([]map[string]string, len(files))
	for i, ef := range files {
		keys[i] = m.envFileKeys(ef)
	}
	for i := range env {
		if !strings.HasSuffix(env[i].Field, ".env_file") {
			continue
		}
		for j := len(files) - 1; j >= 0; j-- {
			if _, ok := keys[j][env[i].Name]; ok {
				env[i].File = filepath.Clean(files[j].Path)
				break
			}
		}
	}
}

// envFileKeys returns the names an env file defines (values unresolved), nil when it cannot
// be read (an optional file that is absent).
func (m *mapper) envFileKeys(ef types.EnvFile) map[string]string {
	if m.envKeys == nil {
		m.envKeys = map[string]map[string]string{}
	}
	if k, ok := m.envKeys[ef.Path]; ok {
		return k
	}
	var keys map[string]string
	if f, err := os.Open(ef.Path); err == nil {
		vars := map[string]string{}
		// every reference resolves: only the names matter here, and ${X:?} must not fail
		if dotenv.ParseWithFormat(f, ef.Path, vars, func(string) (string, bool) { return "x", true }, ef.Format) == nil {
			keys = vars
		}
		_ = f.Close()
	}
	m.envKeys[ef.Path] = keys
	return keys
}

// preStart adds the service's pre_start hooks as containers that run to completion before the
// main one (convert makes them init containers, in order): compose-go already merged what
// each hook inherits from the service (image, environment).
func (m *mapper) preStart(s *model.Service, svc types.ServiceConfig) error {
	for i, h := range svc.PreStart {
		hf := s.Field + ".pre_start[" + strconv.Itoa(i) + "]"
		c, err := m.container(s.Name, hf, types.ServiceConfig{Name: svc.Name, ContainerSpec: h.ContainerSpec}, &model.ServiceOptions{})
		if err != nil {
			return err
		}
		c.Name = "pre-start-" + strconv.Itoa(i+1)
		c.Essential = false
		c.RunOnce = !h.PerReplica
		s.Containers = append(s.Containers, c)
		s.Main().DependsOn = append(s.Main().DependsOn, model.ContainerDep{Container: c.Name, Condition: "SUCCESS", Field: hf})
	}
	return nil
}
