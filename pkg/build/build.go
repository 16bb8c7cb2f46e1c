// Package build builds the images of a Compose project's build sections with BuildKit,
// through its Go client and the Dockerfile frontend, and pushes them to a registry: what
// `berth build` and `berth apply --build` run. Nothing needs a Docker daemon; the builder is
// any BuildKit daemon (buildkitd, a `docker buildx` container builder, a pod).
//
// A run checks every build section first (context, Dockerfile, secrets: errors name the
// service and the field), builds every image, and pushes only when all built: a failure
// pushes nothing.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/berth-dev/berth/pkg/model"
)

// Options say what to build and where it goes.
type Options struct {
	// Registry is where the images go: Registry/<service>:<Tag>.
	Registry string
	// Tag of every image (imageref.DefaultTag when the user gives none).
	Tag string
	// Push the images once every one has built.
	Push bool
	// Services limits the build to these services; empty: every service with a build section.
	Services []string
	// Platforms, when set, replace each build section's platforms.
	Platforms []string
	// Builder is the BuildKit address (unix://, tcp://, docker-container://, kube-pod://);
	// empty: $BUILDKIT_HOST, else BuildKit's default socket.
	Builder string
	// BuilderTLSDir holds ca.pem, cert.pem and key.pem for a tcp:// builder (as buildctl's
	// --tlsdir).
	BuilderTLSDir string
	// Environ is the process environment: BUILDKIT_HOST, DOCKER_CONFIG, HOME, build args and
	// secrets taken from the environment.
	Environ []string
	// Progress receives BuildKit's progress; nil: none.
	Progress io.Writer
	// TTY: Progress is a terminal (BuildKit's animated display); else plain lines.
	TTY bool
}

// Image is one image a run built.
type Image struct {
	Service string
	// Field is the build section (services.web.build).
	Field string
	// Context is what it was built from (a directory or a remote context) and Dockerfile
	// the Dockerfile ("inline" for dockerfile_inline).
	Context    string
	Dockerfile string
	// Target is the stage built (build.target; "" for the last one).
	Target string
	// Ref is Registry/<service>:<tag>; Digest the manifest (or index) digest the builder
	// reported for it.
	Ref    string
	Digest string
	// Pushed: Ref@Digest is in the registry.
	Pushed bool
}

// Pinned is the reference by digest: Ref@Digest.
func (i Image) Pinned() string {
	if i.Digest == "" {
		return i.Ref
	}
	return i.Ref + "@" + i.Digest
}

// Build builds (and with opts.Push pushes) the images of app's build sections.
func Build(ctx context.Context, app *model.App, opts Options) ([]Image, error) {
	if opts.Registry == "" {
		return nil, errors.New("a registry is needed: the images are pushed as REGISTRY/<service>:<tag>")
	}
	if opts.Tag == "" {
		return nil, errors.New("an image tag is needed")
	}
	targets, err := Targets(app, opts.Services)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, nil
	}
	jobs := make([]*job, 0, len(targets))
	for _, t := range targets {
		j, err := prepare(app, t, opts)
		if err != nil {
			return nil, err
		}
		defer j.cleanup()
		jobs = append(jobs, j)
	}
	c, runs, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for _, j := range jobs {
		j.builderRuns = runs
	}
	out := make([]Image, len(jobs))
	// With several images, all build before any is pushed (the push pass is served from the
	// builder's cache), so a failure pushes nothing. One image builds and pushes in one solve.
	if !opts.Push || len(jobs) > 1 {
		for i, j := range jobs {
			d, err := j.solve(ctx, c, opts, false)
			if err != nil {
				return nil, err
			}
			out[i] = j.image(d, false)
		}
	}
	if !opts.Push {
		return out, nil
	}
	for i, j := range jobs {
		d, err := j.solve(ctx, c, opts, true)
		if err != nil {
			return nil, err
		}
		out[i] = j.image(d, true)
	}
	return out, nil
}

// Target is one container whose image berth builds.
type Target struct {
	Service *model.Service
	Build   *model.Build
}

// Targets are the services of app berth builds: those named (each must have a build
// section), or every one with a build section.
func Targets(app *model.App, names []string) ([]Target, error) {
	var out []Target
	for _, n := range names {
		s := app.Service(n)
		if s == nil {
			return nil, fmt.Errorf("service %q: no such service in the project (or not active in its profiles)", n)
		}
		if s.Main().Build == nil {
			return nil, fmt.Errorf("service %q has no build section: nothing to build", n)
		}
	}
	for _, s := range app.Services {
		b := s.Main().Build
		if b == nil || (len(names) > 0 && !slices.Contains(names, s.Name)) {
			continue
		}
		out = append(out, Target{Service: s, Build: b})
	}
	return out, nil
}
