package build

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	// registered connection helpers for --builder docker-container://NAME and kube-pod://POD
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
)

// DefaultBuilder is BuildKit's own default address (a rootful buildkitd).
const DefaultBuilder = "unix:///run/buildkit/buildkitd.sock"

// BuilderAddress is the builder opts select: --builder, else $BUILDKIT_HOST, else
// DefaultBuilder.
func BuilderAddress(opts Options) string {
	if opts.Builder != "" {
		return opts.Builder
	}
	if v := environMap(opts.Environ)["BUILDKIT_HOST"]; v != "" {
		return v
	}
	return DefaultBuilder
}

// connect dials the builder and checks it answers, so an absent builder is one clear error
// before anything is read or sent.
func connect(ctx context.Context, opts Options) (*client.Client, []string, error) {
	addr := BuilderAddress(opts)
	var copts []client.ClientOpt
	if d := opts.BuilderTLSDir; d != "" {
		copts = append(copts,
			client.WithServerConfig("", filepath.Join(d, "ca.pem")),
			client.WithCredentials(filepath.Join(d, "cert.pem"), filepath.Join(d, "key.pem")))
	}
	c, err := client.New(ctx, addr, copts...)
	var workers []*client.WorkerInfo
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		workers, err = c.ListWorkers(pctx)
		cancel()
		if err != nil {
			c.Close()
		}
	}
	if err != nil {
		return nil, nil, &NoBuilderError{Addr: addr, Err: err}
	}
	var runs []string // os/arch the builder runs programs of (natively or emulated)
	for _, w := range workers {
		for _, p := range w.Platforms {
			if osArch := p.OS + "/" + p.Architecture; !slices.Contains(runs, osArch) {
				runs = append(runs, osArch)
			}
		}
	}
	return c, runs, nil
}

// NoBuilderError: no BuildKit daemon answers at Addr.
type NoBuilderError struct {
	Addr string
	Err  error
}

func (e *NoBuilderError) Error() string {
	return fmt.Sprintf("no BuildKit builder answers at %s (%v); start one, then point berth at it with --builder or BUILDKIT_HOST:\n"+
		"  docker buildx create --name berth --driver docker-container --bootstrap   # then --builder docker-container://buildx_buildkit_berth0\n"+
		"  sudo buildkitd &   # a local daemon (https://github.com/moby/buildkit/releases); it listens on %s",
		e.Addr, e.Err, DefaultBuilder)
}

func (e *NoBuilderError) Unwrap() error { return e.Err }

// authProvider answers the builder's registry credential requests from the docker config
// ($DOCKER_CONFIG or ~/.docker/config.json) and its credential helpers; credentials go to
// the builder only.
func authProvider(environ []string) (session.Attachable, error) {
	env := environMap(environ)
	dir := env["DOCKER_CONFIG"]
	if dir == "" {
		if home := env["HOME"]; home != "" {
			dir = filepath.Join(home, ".docker")
		}
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the docker config in %s: %w", dir, err)
	}
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{ConfigFile: cfg}), nil
}
