package convert

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// models.go accounts the Compose models the loader turned into model servers (a Deployment
// running an OpenAI-compatible server, its Service and a claim for the weights) and names the
// choice in a warning (docs/mapping.md, "Models").

// modelServers warns once per model server about what berth chose for it.
func (b *builder) modelServers() {
	for _, svc := range b.app.Services {
		ms := svc.Model
		if ms == nil {
			continue
		}
		c := svc.Main()
		if !strings.HasPrefix(ms.Field, "models.") {
			b.accountLegacyModel(svc)
		}
		gpu := "CPU inference (no runtime flag offloads layers to a GPU)"
		if c.Resources.GPUs > 0 {
			gpu = "1 nvidia.com/gpu (runtime_flags offload layers to a GPU)"
		}
		claim := ""
		for _, mt := range c.Mounts {
			if mt.Type == model.MountVolume {
				claim = mt.Source
			}
		}
		b.ledger.Warnf(svc.Name, ms.Field, "model %s (%s) is served by Deployment %s: %s, an OpenAI-compatible server that downloads the model into claim %s on first start; "+
			"clients get the variables docker compose sets (URL http://%s:8080/v1/). Requests 1 CPU and 1Gi memory, %s: size them, and the claim, for the model",
			ms.Key, ms.Ref, b.name(svc.Name), c.Image, b.claimName(claim), b.name(svc.Name), gpu)
	}
}

// claimName is the claim of volume v ("" → v).
func (b *builder) claimName(v string) string {
	if n, ok := b.config().claims.names[v]; ok {
		return n
	}
	return v
}

// accountModel accounts a field under models.KEY (models.KEY.model is accounted by the pod
// concerns that use it: image, args, claim, probes).
func (b *builder) accountModel(path string) {
	rest := strings.TrimPrefix(path, "models.")
	var svc *model.Service
	for _, s := range b.app.Services {
		if s.Model != nil && (rest == s.Model.Key || strings.HasPrefix(rest, s.Model.Key+".")) && strings.HasPrefix(s.Model.Field, "models.") {
			svc = s
		}
	}
	if svc == nil {
		b.ledger.Ignored("", path, "no active service uses this model")
		return
	}
	field := strings.TrimPrefix(rest, svc.Model.Key)
	field = strings.TrimPrefix(field, ".")
	args := svc.Main().Args
	target := func(i int) string {
		pl := b.plans[svc.Name]
		return fmt.Sprintf("%s/%s %s.containers[0].args[%d]", pl.Kind, pl.Name, specPath(pl.Kind), i)
	}
	switch {
	case field == "model" || field == "":
	case field == "context_size":
		if i := slices.Index(args, "--ctx-size"); i >= 0 {
			b.ledger.Mapped("", path, target(i+1))
		}
	case strings.HasPrefix(field, "runtime_flags"):
		var i int
		if _, err := fmt.Sscanf(field, "runtime_flags[%d]", &i); err == nil && i < len(svc.Model.RuntimeFlags) {
			b.ledger.Mapped("", path, target(len(args)-len(svc.Model.RuntimeFlags)+i))
		}
	case field == "name":
		b.ledger.Ignored("", path, "the model's display name under docker compose; the server is Service "+b.name(svc.Name))
	case strings.HasPrefix(field, "x-"):
		b.ledger.Ignored("", path, "extension field: its values count where YAML anchors use them")
	}
}

// accountLegacyModel accounts a provider service of type model: its type and model became
// the model server; its other options are not read (models: carries them).
func (b *builder) accountLegacyModel(svc *model.Service) {
	pl := b.plans[svc.Name]
	b.ledger.Mapped(svc.Name, svc.Model.Field+".type", string(pl.Kind)+"/"+pl.Name)
	prefix := svc.Model.Field + ".options."
	seen := map[string]bool{}
	for _, f := range b.app.Inputs {
		rest, ok := strings.CutPrefix(f.Path, prefix)
		if !ok {
			continue
		}
		key, _, _ := strings.Cut(rest, "[")
		if key == "model" || seen[key] {
			continue
		}
		seen[key] = true
		b.ledger.Dropped(svc.Name, prefix+key, "option "+key+" of a provider of type model is not converted: declare the model under models: (context_size, runtime_flags)")
	}
}
