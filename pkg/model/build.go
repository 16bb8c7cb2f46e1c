package model

import (
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
)

// Build is a container's build section (Compose build): how its image is made. Paths are
// absolute, as the loader resolved them against the project directory.
type Build struct {
	// Field is the input path of the section (services.web.build).
	Field string
	Pos   diag.Pos
	// Context is the build context: a directory, or a remote context (git URL, https URL)
	// berth hands to the builder unchanged.
	Context string
	// Dockerfile is the Dockerfile path (absolute, or relative to Context); empty with
	// DockerfileInline, else "Dockerfile" in Context.
	Dockerfile string
	// DockerfileInline is the Dockerfile's text when the input gives it inline.
	DockerfileInline string
	Target           string
	// Args are the build arguments, sorted by Key; an argument without a value (Compose
	// `args: [NAME]`) is taken from the environment at build time (Unset).
	Args []BuildArg
	// Labels are image labels, sorted by Key.
	Labels []KV
	// AdditionalContexts are named contexts (FROM name / COPY --from=name), sorted by Key;
	// each Value is a directory, docker-image://REF, target:STAGE or a URL.
	AdditionalContexts []KV
	// Secrets are build secrets (RUN --mount=type=secret), sorted by ID. Their values are
	// read only at build time, from a file or an environment variable.
	Secrets []BuildSecret
	// SSH are agent sockets or keys forwarded to RUN --mount=type=ssh, sorted by ID.
	SSH []BuildSSH
	// CacheFrom and CacheTo are cache sources and destinations in buildx syntax
	// (type=registry,ref=R or a bare image reference).
	CacheFrom []string
	CacheTo   []string
	// Platforms are the platforms to build (linux/amd64, linux/arm64); empty = the builder's.
	Platforms []string
	NoCache   bool
	// Pull: always look for newer base images.
	Pull bool
	// Tags are extra names Compose gives the image; berth pushes its own reference only.
	Tags []string
	// BaseImage is the image the built stage starts FROM (through earlier stages), as its
	// Dockerfile names it with the build's arguments; empty when berth cannot read the
	// Dockerfile. Derived, not an input field: convert knows a built image by its base.
	BaseImage string
}

// BuildArg is one build argument. Unset: Compose names it without a value, so it comes from
// the environment when berth builds (and is not set when the environment lacks it).
type BuildArg struct {
	Key   string
	Value string
	Unset bool
}

// BuildSecret is one build secret: the secret ID the Dockerfile mounts, and where its value
// is read at build time (File or Env, never the value itself).
type BuildSecret struct {
	ID    string
	File  string
	Env   string
	Field string // services.web.build.secrets[0]
}

// BuildSSH is one SSH forwarding entry: ID "default" with no Paths forwards $SSH_AUTH_SOCK.
type BuildSSH struct {
	ID    string
	Paths []string
}

// BuiltImage is the reference berth gives the image it builds for service: registry/service:tag
// (the service name lower-cased, as repository names must be).
func BuiltImage(registry, service, tag string) string {
	return strings.TrimSuffix(registry, "/") + "/" + strings.ToLower(service) + ":" + tag
}
