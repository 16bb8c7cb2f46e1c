package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/pkg/model"
)

// build maps a service's build section to the model; berth build reads it (convert only
// accounts it). Build secrets keep where their value lives (a file or an environment
// variable), never the value.
func (m *mapper) build(f string, svc types.ServiceConfig) *model.Build {
	b := svc.Build
	if b == nil {
		return nil
	}
	field := f + ".build"
	out := &model.Build{
		Field:            field,
		Pos:              m.idx.at(field),
		Context:          b.Context,
		Dockerfile:       b.Dockerfile,
		DockerfileInline: b.DockerfileInline,
		Target:           b.Target,
		CacheFrom:        slices.Clone([]string(b.CacheFrom)),
		CacheTo:          slices.Clone([]string(b.CacheTo)),
		Platforms:        slices.Clone([]string(b.Platforms)),
		NoCache:          b.NoCache,
		Pull:             b.Pull,
		Tags:             slices.Clone([]string(b.Tags)),
	}
	for _, k := range sortedKeys(b.Args) {
		if v := b.Args[k]; v != nil {
			out.Args = append(out.Args, model.BuildArg{Key: k, Value: *v})
		} else {
			out.Args = append(out.Args, model.BuildArg{Key: k, Unset: true})
		}
	}
	for _, k := range sortedKeys(b.Labels) {
		out.Labels = append(out.Labels, model.KV{Key: k, Value: b.Labels[k]})
	}
	for _, k := range sortedKeys(b.AdditionalContexts) {
		out.AdditionalContexts = append(out.AdditionalContexts, model.KV{Key: k, Value: b.AdditionalContexts[k]})
	}
	for i, s := range b.Secrets {
		sf := fmt.Sprintf("%s.secrets[%d]", field, i)
		id := s.Target
		if id == "" {
			id = s.Source
		}
		top := m.project.Secrets[s.Source]
		out.Secrets = append(out.Secrets, model.BuildSecret{ID: id, File: top.File, Env: top.Environment, Field: sf})
	}
	slices.SortFunc(out.Secrets, func(a, b model.BuildSecret) int { return strings.Compare(a.ID, b.ID) })
	for _, k := range b.SSH {
		e := model.BuildSSH{ID: k.ID}
		if k.Path != "" {
			e.Paths = []string{k.Path}
		}
		out.SSH = append(out.SSH, e)
	}
	slices.SortFunc(out.SSH, func(a, b model.BuildSSH) int { return strings.Compare(a.ID, b.ID) })
	return out
}
