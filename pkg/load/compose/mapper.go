package compose

import (
	"fmt"
	"maps"
	"slices"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// mapper turns a loaded compose-go project into the model, positioned by the index.
type mapper struct {
	project *types.Project
	idx     *index
	fs      *fileSet
	// projectDir is the symlink-resolved project directory: nothing outside it is read.
	projectDir string
	diags      diag.List
	// envKeys caches the names each env file defines (container.go).
	envKeys map[string]map[string]string
}

func (m *mapper) warn(pos diag.Pos, service, field, format string, args ...any) {
	m.diags = append(m.diags, diag.Diagnostic{
		Severity: diag.Warning, Pos: pos, Service: service, Field: field,
		Message: fmt.Sprintf(format, args...),
	})
}

// warnAt warns about field, positioned from the index.
func (m *mapper) warnAt(service, field, format string, args ...any) {
	m.warn(m.idx.at(field), service, field, format, args...)
}

func (m *mapper) errorf(service, field, format string, args ...any) error {
	return diag.Errorf(m.idx.at(field), service, field, format, args...)
}

func (m *mapper) mapApp(app *model.App) error {
	if err := m.decodeExt(m.project.Extensions, "", "", &app.Options); err != nil {
		return err
	}
	if err := m.checkAppOptions(&app.Options); err != nil {
		return err
	}
	legacy := map[string]model.ModelServer{}
	for _, name := range sortedKeys(m.project.Services) {
		svc := m.project.Services[name]
		if svc.Provider != nil {
			if ms, ok := m.legacyModel(name, svc); ok {
				legacy[name] = ms
			} else {
				app.Providers = append(app.Providers, m.provider(name, svc))
			}
			continue
		}
		s, err := m.service(name, svc)
		if err != nil {
			return err
		}
		app.Services = append(app.Services, s)
	}
	for _, name := range sortedKeys(m.project.Jobs) {
		s, err := m.job(name, m.project.Jobs[name])
		if err != nil {
			return err
		}
		app.Services = append(app.Services, s)
	}
	aliases(app, m.project)
	m.nameVars(app)
	app.VarRefs = m.idx.varRefs()
	vols, err := m.volumes(app)
	if err != nil {
		return err
	}
	app.Volumes = vols
	m.models(app, legacy)
	providerUsers(app)
	app.Secrets = m.secrets()
	app.Configs = m.configs()
	app.Networks = m.networks()
	return nil
}

func sortedKeys[V any](mp map[string]V) []string {
	return slices.Sorted(maps.Keys(mp))
}

// kvs returns a map as KVs sorted by key, with fields base.<key>.
func kvs(mp map[string]string, base string) []model.KV {
	if len(mp) == 0 {
		return nil
	}
	out := make([]model.KV, 0, len(mp))
	for _, k := range sortedKeys(mp) {
		out = append(out, model.KV{Key: k, Value: mp[k], Field: base + "." + k})
	}
	return out
}
