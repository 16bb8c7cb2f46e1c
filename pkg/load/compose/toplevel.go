package compose

import (
	"sort"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/go-units"
)

func parseBytes(s string) (int64, error) { return units.RAMInBytes(s) }

// volumes maps top-level volumes with their x-berth options (volumes.<v>.x-berth wins over
// the top-level x-berth.volumes.<v>).
func (m *mapper) volumes(app *model.App) ([]model.Volume, error) {
	users := map[string]map[string]bool{}
	for _, s := range app.Services {
		for _, mt := range s.Main().Mounts {
			if mt.Type == model.MountVolume {
				if users[mt.Source] == nil {
					users[mt.Source] = map[string]bool{}
				}
				users[mt.Source][s.Name] = true
			}
		}
	}
	var out []model.Volume
	for _, name := range sortedKeys(m.project.Volumes) {
		v := m.project.Volumes[name]
		f := "volumes." + name
		vol := model.Volume{
			Name: name, Driver: v.Driver, External: bool(v.External),
			Labels: kvs(v.Labels, f+".labels"), Field: f, Pos: m.idx.at(f),
			Shared: len(users[name]) > 1, EngineName: v.Name,
		}
		if v.Driver != "" {
			vol.Paths.Add(model.KeyDriver, f+".driver")
		}
		if vol.External {
			vol.ExternalName = v.Name
			if vol.ExternalName == "" {
				vol.ExternalName = name
			}
		}
		opts := app.Options.Volumes[name]
		var own model.VolumeOptions
		if err := m.decodeExt(v.Extensions, "", f, &own); err != nil {
			return nil, err
		}
		opts = mergeVolumeOptions(opts, own)
		if err := m.checkVolumeOptions(f, opts); err != nil {
			return nil, err
		}
		vol.Size, vol.StorageClass, vol.AccessMode = opts.Size, opts.StorageClass, opts.AccessMode
		out = append(out, vol)
	}
	return out, nil
}

func mergeVolumeOptions(base, over model.VolumeOptions) model.VolumeOptions {
	if over.Size != "" {
		base.Size = over.Size
	}
	if over.StorageClass != "" {
		base.StorageClass = over.StorageClass
	}
	if over.AccessMode != "" {
		base.AccessMode = over.AccessMode
	}
	return base
}

func (m *mapper) secrets() []model.FileData {
	var out []model.FileData
	for _, name := range sortedKeys(m.project.Secrets) {
		out = append(out, m.fileData("secrets", name, types.FileObjectConfig(m.project.Secrets[name])))
	}
	return out
}

func (m *mapper) configs() []model.FileData {
	var out []model.FileData
	for _, name := range sortedKeys(m.project.Configs) {
		out = append(out, m.fileData("configs", name, types.FileObjectConfig(m.project.Configs[name])))
	}
	return out
}

// fileData reads a secret or config from its file (inside the project directory only), the
// project environment, or inline content.
func (m *mapper) fileData(kind, name string, c types.FileObjectConfig) model.FileData {
	f := kind + "." + name
	d := model.FileData{Name: name, External: bool(c.External), Labels: kvs(c.Labels, f+".labels"), Field: f, Pos: m.idx.at(f)}
	switch {
	case d.External:
		d.ExternalName = c.Name
		if d.ExternalName == "" {
			d.ExternalName = name
		}
	case c.Environment != "":
		d.Env = c.Environment
		if v, ok := m.project.Environment[c.Environment]; ok {
			d.Content, d.Loaded = []byte(v), true
		} else {
			m.warnAt("", f+".environment", "variable %s is not set: the %s has no content", c.Environment, kind[:len(kind)-1])
		}
	case c.Content != "":
		d.Content, d.Loaded = []byte(c.Content), true
	case c.File != "":
		d.File = c.File
		d.Content, d.Loaded = m.readFileData(f+".file", c.File)
	}
	return d
}

func (m *mapper) readFileData(field, path string) ([]byte, bool) {
	mt := model.Mount{Source: path}
	m.readBind(&mt)
	switch {
	case mt.NotRead != "":
		m.warnAt("", field, "%s is not read: %s", m.fs.display(path), mt.NotRead)
	case mt.IsDir:
		m.warnAt("", field, "%s is a directory, not a file", m.fs.display(path))
	case len(mt.Files) == 1:
		return mt.Files[0].Content, true
	}
	return nil, false
}

func (m *mapper) networks() []model.Network {
	var out []model.Network
	for _, name := range sortedKeys(m.project.Networks) {
		f := "networks." + name
		if !m.idx.has(f) {
			continue // the implicit default network
		}
		n := m.project.Networks[name]
		nw := model.Network{Name: name, External: bool(n.External), Internal: n.Internal, Field: f}
		if nw.External {
			nw.ExternalName = n.Name
		}
		out = append(out, nw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
