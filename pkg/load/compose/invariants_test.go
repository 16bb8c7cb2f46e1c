package compose

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
)

// modelFields lists the Field of every value of app that has one.
func modelFields(app *model.App) []string {
	var out []string
	add := func(f ...string) { out = append(out, f...) }
	paths := func(p model.Paths) {
		for _, fs := range p {
			add(fs...)
		}
	}
	for _, s := range app.Services {
		add(s.Field)
		paths(s.Paths)
		for _, d := range s.DependsOn {
			add(d.Field)
		}
		for _, kv := range append(append([]model.KV{}, s.Labels...), s.Sysctls...) {
			add(kv.Field)
		}
		for _, h := range s.ExtraHosts {
			add(h.Field)
		}
		if s.Rollout != nil {
			add(s.Rollout.Field)
		}
		for _, c := range s.Containers {
			add(c.Field)
			paths(c.Paths)
			for _, e := range c.Env {
				add(e.Field)
			}
			for _, p := range c.Ports {
				add(p.Field)
			}
			for _, m := range c.Mounts {
				add(m.Field)
				paths(m.Paths)
			}
			for _, u := range c.Ulimits {
				add(u.Field)
			}
			if c.Health != nil {
				add(c.Health.Field)
			}
			if c.Resources.Field != "" {
				add(c.Resources.Field)
			}
		}
	}
	for _, v := range app.Volumes {
		add(v.Field)
		paths(v.Paths)
	}
	for _, f := range append(append([]model.FileData{}, app.Secrets...), app.Configs...) {
		add(f.Field)
	}
	for _, n := range app.Networks {
		add(n.Field)
	}
	return out
}

// checkInvariants: input paths are unique and positioned, and every model Field is an input
// path or the parent of one (so the report can tie each value to what the user wrote).
func checkInvariants(t *testing.T, name string, app *model.App) {
	t.Helper()
	seen := map[string]bool{}
	for _, in := range app.Inputs {
		if seen[in.Path] {
			t.Errorf("%s: input %s listed twice", name, in.Path)
		}
		seen[in.Path] = true
		if in.Pos.File == "" || in.Pos.Line == 0 {
			t.Errorf("%s: input %s has no position", name, in.Path)
		}
	}
	for _, f := range modelFields(app) {
		if seen[f] {
			continue
		}
		found := false
		for _, in := range app.Inputs {
			if strings.HasPrefix(in.Path, f+".") || strings.HasPrefix(in.Path, f+"[") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: model field %q is neither an input nor the parent of one", name, f)
		}
	}
}
