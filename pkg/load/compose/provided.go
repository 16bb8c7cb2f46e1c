package compose

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// Provider services and models (docs/mapping.md, "Provider services" and "Models"): what
// docker compose hands to a plugin or to Docker Model Runner instead of running a container.

// Model serving defaults: llama.cpp's OpenAI-compatible server, which runs the GGUF models
// Docker Model Runner runs (its default engine) and takes the same runtime flags.
const (
	ModelImage     = "ghcr.io/ggml-org/llama.cpp:server"
	ModelImageCUDA = "ghcr.io/ggml-org/llama.cpp:server-cuda"
	ModelPort      = 8080
	// ModelCache is where the server keeps downloaded weights (LLAMA_CACHE), on a claim.
	ModelCache = "/models"
	// ModelVolumeSize is the claim for the weights: small models are a few GiB.
	ModelVolumeSize = "20Gi"
)

// provider maps a service with a provider section (it runs no container).
func (m *mapper) provider(name string, svc types.ServiceConfig) model.Provider {
	f := "services." + name
	p := model.Provider{Name: name, Type: svc.Provider.Type, Field: f, Pos: m.idx.at(f)}
	for _, k := range sortedKeys(svc.Provider.Options) {
		p.Options = append(p.Options, model.KV{Key: k, Value: strings.Join(svc.Provider.Options[k], ","), Field: f + ".provider.options." + k})
	}
	return p
}

// legacyModel is a provider service of type model (Docker Model Runner before models:): it
// serves options.model, and its dependants get NAME_URL and NAME_MODEL. ok is false for other
// providers.
func (m *mapper) legacyModel(name string, svc types.ServiceConfig) (model.ModelServer, bool) {
	if svc.Provider.Type != "model" || len(svc.Provider.Options["model"]) != 1 {
		return model.ModelServer{}, false
	}
	return model.ModelServer{Key: name, Ref: svc.Provider.Options["model"][0], Field: "services." + name + ".provider"}, true
}

// providerUsers moves the dependencies on provider services out of each service's start
// order (nothing to wait for in the cluster) into the provider's users.
func providerUsers(app *model.App) {
	idx := map[string]*model.Provider{}
	for i := range app.Providers {
		idx[app.Providers[i].Name] = &app.Providers[i]
	}
	for _, s := range app.Services {
		s.DependsOn = slices.DeleteFunc(s.DependsOn, func(d model.Dependency) bool {
			p := idx[d.Service]
			if p != nil {
				p.Users = append(p.Users, model.ProviderUse{Service: s.Name, Field: d.Field})
			}
			return p != nil
		})
	}
}

// models adds one model server per top-level model the active services use (compose-go
// keeps only those), and one per legacy model provider, and gives each consumer the variables
// docker compose sets: <KEY>_URL and <KEY>_MODEL (KEY upper-cased, '-' as '_'), or the names
// of the long syntax's endpoint_var and model_var. Servers are sorted into app.Services.
func (m *mapper) models(app *model.App, legacy map[string]model.ModelServer) {
	taken := map[string]bool{}
	for n := range m.project.Services {
		taken[n] = true
	}
	for n := range m.project.Jobs {
		taken[n] = true
	}
	for _, v := range app.Volumes {
		taken["volume:"+v.Name] = true
	}
	server := map[string]*model.Service{}
	for _, key := range sortedKeys(m.project.Models) {
		mc := m.project.Models[key]
		ms := model.ModelServer{Key: key, Ref: mc.Model, ContextSize: mc.ContextSize, RuntimeFlags: mc.RuntimeFlags, Field: "models." + key}
		name := key
		for i := 2; taken[name]; i++ {
			name = key + "-model"
			if i > 2 {
				name += strconv.Itoa(i - 1)
			}
		}
		taken[name] = true
		server[key] = m.modelServer(app, name, ms, taken)
	}
	for _, name := range sortedKeys(legacy) {
		m.modelServer(app, name, legacy[name], taken)
	}
	for _, s := range app.Services {
		var uses map[string]*types.ServiceModelConfig
		if svc, ok := m.project.Services[s.Name]; ok {
			uses = svc.Models
		} else if j, ok := m.project.Jobs[s.Name]; ok {
			uses = j.Models
		} else {
			continue
		}
		if s.Model != nil {
			continue
		}
		for _, ref := range sortedKeys(uses) {
			if srv := server[ref]; srv != nil {
				m.modelEnv(s, ref, uses[ref], srv)
				joinNetworks(srv, s)
			}
		}
		for _, d := range s.DependsOn {
			if ms, ok := legacy[d.Service]; ok {
				joinNetworks(app.Service(d.Service), s)
				// the provider protocol's variables: NAME_ upper-cased, then URL and MODEL
				prefix := strings.ToUpper(d.Service) + "_"
				c := s.Main()
				c.Env = setEnv(c.Env, model.EnvVar{Name: prefix + "URL", Value: modelURL(d.Service), Field: d.Field})
				c.Env = setEnv(c.Env, model.EnvVar{Name: prefix + "MODEL", Value: ms.Ref, Field: d.Field})
			}
		}
	}
	for _, s := range app.Services {
		if s.Model != nil && slices.Equal(s.Networks, []string{model.DefaultNetwork}) {
			s.Networks = nil // the implicit default network
		}
	}
	sort.Slice(app.Services, func(i, j int) bool { return app.Services[i].Name < app.Services[j].Name })
	sort.Slice(app.Volumes, func(i, j int) bool { return app.Volumes[i].Name < app.Volumes[j].Name })
}

// modelEnv gives consumer s the variables of model ref served by srv.
func (m *mapper) modelEnv(s *model.Service, ref string, cfg *types.ServiceModelConfig, srv *model.Service) {
	f := s.Field + ".models"
	prefix := strings.ReplaceAll(strings.ToUpper(ref), "-", "_")
	urlVar, modelVar := prefix+"_URL", prefix+"_MODEL"
	at := f + "." + ref
	if !m.idx.has(at) { // short syntax: a list item
		at = m.listItem(s.Name, "models", ref)
	}
	urlField, modelField := at, at
	if cfg != nil && cfg.EndpointVariable != "" {
		urlVar, urlField = cfg.EndpointVariable, f+"."+ref+".endpoint_var"
	}
	if cfg != nil && cfg.ModelVariable != "" {
		modelVar, modelField = cfg.ModelVariable, f+"."+ref+".model_var"
	}
	c := s.Main()
	c.Env = setEnv(c.Env, model.EnvVar{Name: urlVar, Value: modelURL(srv.Name), Field: urlField})
	c.Env = setEnv(c.Env, model.EnvVar{Name: modelVar, Value: srv.Model.Ref, Field: modelField})
	// docker compose pulls and loads the models before it starts the services
	if !slices.ContainsFunc(s.DependsOn, func(d model.Dependency) bool { return d.Service == srv.Name }) {
		s.DependsOn = append(s.DependsOn, model.Dependency{Service: srv.Name, Condition: model.ConditionHealthy, Required: true, Implicit: true, Field: at})
		sort.Slice(s.DependsOn, func(i, j int) bool { return s.DependsOn[i].Service < s.DependsOn[j].Service })
	}
}

// modelURL is the base of the server's OpenAI-compatible API, as Docker Model Runner's
// endpoint is (http://model-runner.docker.internal/engines/v1/).
func modelURL(service string) string {
	return "http://" + service + ":" + strconv.Itoa(ModelPort) + "/v1/"
}

// listItem is the path of the item of service svc's list key whose value is v
// (services.svc.key when none is).
func (m *mapper) listItem(svc, key, v string) string {
	f := m.idx.serviceField(svc) + "." + key
	for _, n := range m.idx.service(svc).get("." + key).kidsOrNil() {
		if n.node != nil && n.node.Value == v {
			return f + n.seg
		}
	}
	return f
}

// setEnv sets e in env, replacing a variable of the same name (the injected value wins, as
// in docker compose).
func setEnv(env []model.EnvVar, e model.EnvVar) []model.EnvVar {
	for i := range env {
		if env[i].Name == e.Name {
			env[i] = e
			return env
		}
	}
	return append(env, e)
}

// modelServer adds the service that serves ms under name, with a claim for its weights.
func (m *mapper) modelServer(app *model.App, name string, ms model.ModelServer, taken map[string]bool) *model.Service {
	f := ms.Field
	at := f + ".options.model" // a legacy provider of type model
	if strings.HasPrefix(f, "models.") {
		at = f + ".model"
	}
	vol := name + "-weights"
	for i := 2; taken["volume:"+vol]; i++ {
		vol = name + "-weights-" + strconv.Itoa(i)
	}
	taken["volume:"+vol] = true
	app.Volumes = append(app.Volumes, model.Volume{Name: vol, Size: ModelVolumeSize, Cache: true, Field: at, Pos: m.idx.at(at)})
	c := model.Container{
		Name: name, Field: f, Pos: m.idx.at(f), Image: ModelImage, Essential: true,
		Args:   modelArgs(ms),
		Env:    []model.EnvVar{{Name: "LLAMA_CACHE", Value: ModelCache, Field: at}},
		Ports:  []model.Port{{Target: ModelPort, Protocol: model.TCP, Name: "http", AppProtocol: "http", Source: model.FromBerth, Field: at}},
		Mounts: []model.Mount{{Type: model.MountVolume, Source: vol, Target: ModelCache, Field: at}},
		Health: modelHealth(at),
	}
	c.Paths.Add(model.KeyImage, at)
	c.Paths.Add(model.KeyArgs, at)
	// a floor for CPU inference of a small model; the warning says to size it
	c.Resources = model.Resources{CPURequest: 1000, MemRequest: 1 << 30, Field: at}
	if gpuLayers(ms.RuntimeFlags) {
		c.Image = ModelImageCUDA
		c.Resources.GPUs = 1
	}
	s := &model.Service{Name: name, Field: f, Pos: m.idx.at(f), Containers: []model.Container{c}, Model: &ms, Kind: model.KindDeployment}
	app.Services = append(app.Services, s)
	return s
}

// modelArgs runs the model: Docker Hub's ai/ models (the artifacts Docker Model Runner
// pulls) through --docker-repo, Hugging Face models (hf.co/...) through -hf; served under
// the reference clients name (<KEY>_MODEL) as its alias.
func modelArgs(ms model.ModelServer) []string {
	args := []string{"--host", "0.0.0.0", "--port", strconv.Itoa(ModelPort)}
	if rest, ok := strings.CutPrefix(ms.Ref, "hf.co/"); ok {
		args = append(args, "-hf", rest)
	} else {
		args = append(args, "--docker-repo", strings.TrimPrefix(ms.Ref, "docker.io/"))
	}
	args = append(args, "--alias", ms.Ref)
	if ms.ContextSize > 0 {
		args = append(args, "--ctx-size", strconv.Itoa(ms.ContextSize))
	}
	return append(args, ms.RuntimeFlags...)
}

// modelHealth checks the server's /health (200 once the model is loaded) the way the
// image's own HEALTHCHECK does; the first start downloads the weights, so it may take long.
func modelHealth(field string) *model.Health {
	d := func(x time.Duration) *time.Duration { return &x }
	retries := int32(3)
	return &model.Health{
		Type: model.HealthExec, Command: []string{"curl", "-f", "http://localhost:" + strconv.Itoa(ModelPort) + "/health"},
		Interval: d(10 * time.Second), Timeout: d(5 * time.Second), Retries: &retries,
		StartPeriod: d(30 * time.Minute), StartInterval: d(10 * time.Second), Field: field,
	}
}

// gpuLayers says whether runtime flags offload layers to a GPU (-ngl N, --n-gpu-layers N,
// --gpu-layers N, or the =N forms, with N not 0).
func gpuLayers(flags []string) bool {
	for i, fl := range flags {
		name, val, hasVal := strings.Cut(fl, "=")
		if name != "-ngl" && name != "--n-gpu-layers" && name != "--gpu-layers" {
			continue
		}
		if !hasVal && i+1 < len(flags) {
			val = flags[i+1]
		}
		if val != "0" && val != "" {
			return true
		}
	}
	return false
}

// joinNetworks puts model server srv on the networks of consumer c, so that under network
// policies c reaches it as Compose's Model Runner endpoint is reached from every network.
// models() leaves a server whose consumers are all on the default network with none.
func joinNetworks(srv, c *model.Service) {
	if srv == nil || c.NetworkMode != "" {
		return
	}
	nets := c.Networks
	if len(nets) == 0 {
		nets = []string{model.DefaultNetwork}
	}
	for _, n := range nets {
		if !slices.Contains(srv.Networks, n) {
			srv.Networks = append(srv.Networks, n)
		}
	}
	sort.Strings(srv.Networks)
}
