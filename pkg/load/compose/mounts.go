package compose

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// mounts lists volumes (in input order), then tmpfs, secrets and configs.
func (m *mapper) mounts(name, f string, svc types.ServiceConfig) []model.Mount {
	var out []model.Mount
	vols := m.matcher(name, "volumes", volumeKeys(m.expand))
	home := m.homeSources(name)
	for _, v := range svc.Volumes {
		mt := m.volumeMount(name, vols(mountKey(v.Target), f+".volumes"), v)
		if mt.Type == model.MountBind {
			mt.HomeSource = home[mountKey(v.Target)]
		}
		out = append(out, mt)
	}
	tmp := m.matcher(name, "tmpfs", tmpfsKeys(m.expand))
	for _, t := range svc.Tmpfs {
		target, opts, _ := strings.Cut(t, ":")
		mt := model.Mount{Type: model.MountTmpfs, Target: target, Field: tmp(target, f+".tmpfs")}
		for _, o := range strings.Split(opts, ",") {
			if size, ok := strings.CutPrefix(o, "size="); ok {
				if b, err := parseBytes(size); err == nil {
					mt.SizeLimit = b
				}
			}
		}
		out = append(out, mt)
	}
	sec := m.matcher(name, "secrets", refKeys(m.expand))
	for _, s := range svc.Secrets {
		target := s.Target
		if target == "" {
			target = "/run/secrets/" + s.Source
		} else if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		out = append(out, fileRef(model.MountSecret, types.FileReferenceConfig(s), target, sec(s.Source+"|"+s.Target, sec(s.Source+"|", f+".secrets"))))
	}
	cfg := m.matcher(name, "configs", refKeys(m.expand))
	for _, c := range svc.Configs {
		target := c.Target
		if target == "" {
			target = "/" + c.Source
		}
		out = append(out, fileRef(model.MountConfig, types.FileReferenceConfig(c), target, cfg(c.Source+"|"+c.Target, cfg(c.Source+"|", f+".configs"))))
	}
	return out
}

func fileRef(t model.MountType, r types.FileReferenceConfig, target, field string) model.Mount {
	mt := model.Mount{Type: t, Source: r.Source, Target: target, ReadOnly: true, UID: r.UID, GID: r.GID, Field: field}
	if r.Mode != nil {
		mode := uint32(*r.Mode & 0o7777)
		mt.Mode = &mode
	}
	return mt
}

func (m *mapper) volumeMount(service, field string, v types.ServiceVolumeConfig) model.Mount {
	mt := model.Mount{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly, Field: field}
	switch v.Type {
	case types.VolumeTypeVolume:
		mt.Type = model.MountVolume
		if v.Source == "" {
			mt.Type = model.MountAnon
		}
		if v.Volume != nil {
			mt.SubPath = v.Volume.Subpath
		}
	case types.VolumeTypeTmpfs:
		mt.Type = model.MountTmpfs
		if v.Tmpfs != nil {
			mt.SizeLimit = int64(v.Tmpfs.Size)
		}
	case types.VolumeTypeNamedPipe:
		mt.Type = model.MountNpipe
	case types.VolumeTypeBind:
		mt.Type = model.MountBind
		// convert warns about binds it cannot turn into ConfigMaps; NotRead says why.
		m.readBind(&mt)
		// create_host_path: false makes Docker refuse a missing source instead of creating it
		mt.Missing = mt.Missing && (v.Bind == nil || bool(v.Bind.CreateHostPath))
		if ctx := m.absentContext(mt.Source); mt.Missing && ctx != "" {
			mt.Missing = false
			mt.NotRead += "; nor does build context " + m.fs.display(ctx) + ": a source tree not checked out here"
		}
	default:
		mt.Type = model.MountType(v.Type)
		m.warnAt(service, field, "volume type %q is not supported", v.Type)
	}
	return mt
}

// absentContext returns the local build context of some service that holds host path src and
// does not exist itself, or "". A bind into it mounts a source tree that is not checked out
// here (berth could not build it either): code, not a directory Docker creates for state.
func (m *mapper) absentContext(src string) string {
	for _, name := range sortedKeys(m.project.Services) {
		b := m.project.Services[name].Build
		if b == nil || !filepath.IsAbs(b.Context) || !within(b.Context, src) {
			continue
		}
		if _, err := os.Stat(b.Context); os.IsNotExist(err) {
			return b.Context
		}
	}
	return ""
}

// homeSources maps the target of each bind of service name written under the user's home
// directory (~/.flowise:/root/.flowise) to its source as written, cleaned (~/.flowise).
// compose-go expands ~ to the home of whoever runs berth; convert names and shows such a
// source by this form, so the output is the same for every user.
func (m *mapper) homeSources(name string) map[string]string {
	out := map[string]string{}
	n := m.idx.service(name).get(".volumes")
	if n == nil {
		return out
	}
	for _, kid := range n.kids {
		var src, target string
		switch node := deref(kid.node); {
		case node == nil:
			continue
		case node.Kind == yaml.ScalarNode:
			v, err := format.ParseVolume(m.expand(node.Value))
			if err != nil {
				continue
			}
			src, target = v.Source, v.Target
		default:
			src, target = scalar(node, "source", m.expand), scalar(node, "target", m.expand)
		}
		if src == "~" || strings.HasPrefix(src, "~/") {
			out[mountKey(target)] = "~" + strings.TrimSuffix(path.Clean("/"+strings.TrimPrefix(src, "~")), "/")
		}
	}
	return out
}
