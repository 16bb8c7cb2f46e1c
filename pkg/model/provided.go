package model

import (
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
)

// Provider is a Compose provider service (services.NAME.provider): a resource a provider
// plugin provisions outside the app (a managed database, a cloud queue) and whose variables
// it injects into the services that depend on it, as NAME_KEY (upper-cased NAME). It runs no
// container.
type Provider struct {
	// Name is the service's key in the input.
	Name string
	// Type is the provider plugin (provider.type).
	Type string
	// Options are provider.options, sorted by key; a list value is joined with ",".
	Options []KV
	// Users are the services that depend on it, sorted by Service.
	Users []ProviderUse
	// Field is services.NAME.
	Field string
	Pos   diag.Pos
}

// ProviderUse is one service that depends on a provider service.
type ProviderUse struct {
	Service string
	// Field is the depends_on entry (services.app.depends_on.database).
	Field string
}

// EnvPrefix is the prefix of the variables the provider injects: NAME_ upper-cased, as
// docker compose names them.
func (p *Provider) EnvPrefix() string { return strings.ToUpper(p.Name) + "_" }

// ModelServer marks a Service the loader made to serve a language model (Compose models:,
// Docker Model Runner): an OpenAI-compatible server running the model.
type ModelServer struct {
	// Key is the model's key under models: (or the provider service's name for a legacy
	// provider of type model).
	Key string
	// Ref is the model reference as written (ai/smollm2, hf.co/org/repo:Q4_K_M).
	Ref string
	// ContextSize is models.KEY.context_size (0 = the server's default).
	ContextSize int
	// RuntimeFlags are passed to the server as written.
	RuntimeFlags []string
	// Field is models.KEY (or services.NAME.provider).
	Field string
}
