package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
		for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				return nil, nil, fmt.Errorf("--builder-tls-dir %s: %w (it holds ca.pem, cert.pem and key.pem, as buildctl --tlsdir)", d, err)
			}
		}
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
		return nil, nil, &NoBuilderError{Addr: addr, Err: err, TLSDir: opts.BuilderTLSDir}
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
	// TLSDir is the --builder-tls-dir the client used ("" for none).
	TLSDir string
}

func (e *NoBuilderError) Error() string {
	if strings.HasPrefix(e.Addr, "tcp://") {
		if hint := e.tlsHint(); hint != "" {
			return fmt.Sprintf("the BuildKit builder at %s refused the connection (%v): %s", e.Addr, e.Err, hint)
		}
	}
	return fmt.Sprintf("no BuildKit builder answers at %s (%v); start one, then point berth at it with --builder or BUILDKIT_HOST:\n"+
		"  docker buildx create --name berth --driver docker-container --bootstrap   # then --builder docker-container://buildx_buildkit_berth0\n"+
		"  sudo buildkitd &   # a local daemon (https://github.com/moby/buildkit/releases); it listens on %s",
		e.Addr, e.Err, DefaultBuilder)
}

func (e *NoBuilderError) Unwrap() error { return e.Err }

// tlsHint explains a tcp:// builder that answered but not to this client: a TLS builder
// reached without credentials, or a handshake that failed.
func (e *NoBuilderError) tlsHint() string {
	msg := e.Err.Error()
	closed := false // by the builder, during or right after the handshake
	for _, s := range []string{"server preface", "connection reset", "broken pipe", "EOF", "remote error: tls:"} {
		closed = closed || strings.Contains(msg, s)
	}
	switch {
	case e.TLSDir != "" && (strings.Contains(msg, "x509:") || strings.Contains(msg, "authentication handshake failed")):
		return fmt.Sprintf("its certificate is not signed by ca.pem in --builder-tls-dir %s", e.TLSDir)
	case closed && e.TLSDir == "":
		return "the builder speaks TLS: give --builder-tls-dir DIR with ca.pem, cert.pem and key.pem (as buildctl --tlsdir)"
	case closed:
		return fmt.Sprintf("the builder closed the TLS connection: it takes client certificates its CA signed only; check cert.pem and key.pem in --builder-tls-dir %s", e.TLSDir)
	}
	return ""
}

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
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{AuthConfigProvider: authprovider.LoadAuthConfig(cfg)}), nil
}
