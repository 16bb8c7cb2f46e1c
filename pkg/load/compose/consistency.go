package compose

import (
	"errors"
	"strings"

	"github.com/compose-spec/compose-go/v2/errdefs"
	"github.com/compose-spec/compose-go/v2/graph"
	"github.com/compose-spec/compose-go/v2/types"
)

// isConsistency says whether err is one of compose-go's reference checks, which it runs in
// map order (so which one it reports first varies from run to run).
func isConsistency(err error) bool {
	msg := err.Error()
	return errors.Is(err, errdefs.ErrInvalid) || reCycle().MatchString(msg) || reDepends().MatchString(msg) ||
		reUndefined().MatchString(msg) || reNoImage().MatchString(msg)
}

// consistency repeats compose-go's reference checks on p (loaded without them) in input order
// and returns the first failure, positioned; nil if it finds none.
func (x *explainer) consistency(p *types.Project) error {
	for _, sn := range x.idx.root.get(".services").kidsOrNil() {
		name := sn.seg[1:]
		s, ok := p.Services[name]
		if !ok {
			continue
		}
		f := "services." + name
		if s.Image == "" && s.Build == nil && s.Provider == nil {
			return x.at(f, "needs an image or a build section")
		}
		for _, dn := range sn.get(".depends_on").kidsOrNil() {
			dep := strings.TrimPrefix(dn.seg, ".")
			cfg, declared := s.DependsOn[dep]
			if !declared {
				continue
			}
			if _, ok := p.Services[dep]; ok {
				continue
			}
			if _, disabled := p.DisabledServices[dep]; disabled && !cfg.Required {
				continue
			}
			return x.at(f+".depends_on."+dep, "depends on %q, which is not a service in this project", dep)
		}
		if err := x.references(p, name, s); err != nil {
			return err
		}
	}
	if err := graph.CheckCycle(p); err != nil {
		if m := reCycle().FindStringSubmatch(err.Error()); m != nil {
			chain := strings.Split(m[1], " -> ")
			return x.at("services."+chain[0]+".depends_on."+chain[1], "depends_on cycle: %s", m[1])
		}
	}
	return nil
}

// references checks the networks, named volumes, secrets and configs a service uses.
func (x *explainer) references(p *types.Project, name string, s types.ServiceConfig) error {
	for _, n := range sortedKeys(s.Networks) {
		if _, ok := p.Networks[n]; !ok {
			return x.undefined(name, "network", n)
		}
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" {
			if _, ok := p.Volumes[v.Source]; !ok {
				return x.undefined(name, "volume", v.Source)
			}
		}
	}
	for _, r := range s.Secrets {
		if _, ok := p.Secrets[r.Source]; !ok {
			return x.undefined(name, "secret", r.Source)
		}
	}
	for _, r := range s.Configs {
		if _, ok := p.Configs[r.Source]; !ok {
			return x.undefined(name, "config", r.Source)
		}
	}
	return nil
}
