// Package buildkit runs the real parts the image build tests need: buildkitd (built by
// test/cluster/build.sh from the Go module proxy, the same version as berth's BuildKit
// client) with Debian's runc, and an in-process OCI registry (go-containerregistry's) served
// over TLS with basic auth, plus a docker config holding its credentials. Everything binds
// 127.0.0.1 and lives in a temporary directory; nothing is fetched from the internet: base
// images are pushed by the test (see Registry.Push).
package buildkit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/cluster/realnode"
	"github.com/berth-dev/berth/test/deps"
)

// Version is the buildkitd version build.sh builds; it must equal the client's in berth's
// go.mod and test/cluster/tools/buildkit (a test checks both).
const Version = "v0.35.0"

// Registry user and password of the test registry.
const (
	User     = "berth"
	Password = "s3cret-registry-password"
)

// Env is a running builder and registry.
type Env struct {
	// Addr is the builder address (unix://...).
	Addr string
	// Registry is host:port of the TLS registry.
	Registry string
	// DockerConfig is a directory with config.json holding the registry's credentials.
	DockerConfig string
	// Dir is the temporary directory of everything.
	Dir string
	// Log is buildkitd's log file.
	Log string

	reg       *httptest.Server
	bin       string
	writes    atomic.Int64
	transport http.RoundTripper
}

// Writes counts the registry requests that store something (blob uploads, manifest puts).
func (e *Env) Writes() int64 { return e.writes.Load() }

// Start runs buildkitd and the registry for t, and stops them when t ends. It skips (fails
// under CI) where buildkitd cannot run, and fails when buildkitd is not built.
func Start(t testing.TB) *Env {
	t.Helper()
	if err := realnode.Supported(); err != nil {
		realnode.SkipOrFail(t, err)
	}
	if err := deps.Check(deps.Dpkg{}, deps.Node); err != nil {
		t.Fatal(err)
	}
	bin := cluster.RequireBinaries(t)
	buildkitd := filepath.Join(bin.Dir, "buildkitd")
	if err := checkStamp(buildkitd); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "berth-buildkit-")
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Dir: dir, DockerConfig: filepath.Join(dir, "docker"), Log: filepath.Join(dir, "buildkitd.log")}
	t.Cleanup(func() {
		if os.Getenv("BERTH_TEST_KEEP") == "" {
			os.RemoveAll(dir)
		} else {
			t.Logf("kept %s", dir)
		}
	})
	e.startRegistry(t)
	if err := e.writeDockerConfig(); err != nil {
		t.Fatal(err)
	}
	e.bin = buildkitd
	e.Addr = e.startBuildkitd(t, buildkitd, dir)
	return e
}

// Binary is the path of buildkitd as build.sh built it; it fails t when it is missing or not
// Version.
func Binary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(cluster.RequireBinaries(t).Dir, "buildkitd")
	if err := checkStamp(bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func checkStamp(path string) error {
	b, err := os.ReadFile(path + ".version")
	if err != nil || strings.TrimSpace(string(b)) != Version {
		return fmt.Errorf("buildkitd %s is not built in %s: run `make test-bin` (test/cluster/build.sh)", Version, filepath.Dir(path))
	}
	return nil
}

// startRegistry serves an in-memory registry over TLS; every request needs basic auth.
func (e *Env) startRegistry(t testing.TB) {
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != User || p != Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="berth-test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPut || r.Method == http.MethodPost || r.Method == http.MethodPatch {
			e.writes.Add(1)
		}
		reg.ServeHTTP(w, r)
	})
	srv := httptest.NewUnstartedServer(h)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.reg = srv
	e.Registry = strings.TrimPrefix(srv.URL, "https://")
	e.transport = srv.Client().Transport
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(e.Dir, "registry-ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *Env) writeDockerConfig() error {
	if err := os.MkdirAll(e.DockerConfig, 0o700); err != nil {
		return err
	}
	auth := base64.StdEncoding.EncodeToString([]byte(User + ":" + Password))
	cfg := map[string]any{"auths": map[string]any{e.Registry: map[string]string{"auth": auth}}}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(e.DockerConfig, "config.json"), b, 0o600)
}

// StartBuilder runs another buildkitd, with an empty cache, against the same registry; it
// stops when t ends. It returns the builder's address.
func (e *Env) StartBuilder(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.Dir, "builder-")
	if err != nil {
		t.Fatal(err)
	}
	return e.startBuildkitd(t, e.bin, dir)
}

// WriteConfig writes dir/buildkitd.toml for the tests' buildkitd: state in dir/root, listening
// on dir/buildkitd.sock, the OCI worker (Debian's runc, overlayfs, host network, no garbage
// collection), and registry reached over TLS trusting caFile, or over plain HTTP when caFile is
// "". It returns the paths of the file and of the socket.
func WriteConfig(dir, registry, caFile string) (cfgPath, sock string, err error) {
	return writeConfig(dir, registry, caFile, "")
}

// writeConfig is WriteConfig; with grpcTCP (host:port) buildkitd also listens there, over
// TLS with dir/tls's server certificate, and asks its clients for a certificate of that CA.
func writeConfig(dir, registry, caFile, grpcTCP string) (cfgPath, sock string, err error) {
	sock = filepath.Join(dir, "buildkitd.sock")
	grpc := fmt.Sprintf("[grpc]\n  address = [%q]\n", "unix://"+sock)
	if grpcTCP != "" {
		grpc = fmt.Sprintf("[grpc]\n  address = [%q, %q]\n[grpc.tls]\n  cert = %q\n  key = %q\n  ca = %q\n",
			"unix://"+sock, "tcp://"+grpcTCP, filepath.Join(dir, "tls", "server.pem"),
			filepath.Join(dir, "tls", "server-key.pem"), filepath.Join(dir, "tls", "ca.pem"))
	}
	tls := "  http = true\n"
	if caFile != "" {
		tls = fmt.Sprintf("  http = false\n  ca = [%q]\n", caFile)
	}
	conf := fmt.Sprintf(`root = %q
%s[worker.oci]
  enabled = true
  binary = "/usr/sbin/runc"
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = false
[worker.containerd]
  enabled = false
[registry.%q]
`, filepath.Join(dir, "root"), grpc, registry) + tls
	cfgPath = filepath.Join(dir, "buildkitd.toml")
	return cfgPath, sock, os.WriteFile(cfgPath, []byte(conf), 0o644)
}

// StartTLSBuilder runs another buildkitd, with an empty cache, against the same registry,
// listening on tcp://127.0.0.1:PORT with TLS that requires a client certificate; it stops when
// t ends. It returns the address and a directory with ca.pem, cert.pem and key.pem (a client's
// credentials, buildctl's --tlsdir layout).
func (e *Env) StartTLSBuilder(t testing.TB) (addr, tlsDir string) {
	t.Helper()
	dir, err := os.MkdirTemp(e.Dir, "tls-builder-")
	if err != nil {
		t.Fatal(err)
	}
	m, err := cluster.WriteMutualTLS(filepath.Join(dir, "tls"), "berth-test-buildkitd")
	if err != nil {
		t.Fatal(err)
	}
	client := ClientTLSDir(t, m.CA, m.ClientCert, m.ClientKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostPort := l.Addr().String()
	l.Close()
	e.startBuildkitdTCP(t, e.bin, dir, hostPort)
	return "tcp://" + hostPort, client
}

// ClientTLSDir is a new directory holding copies of ca, cert and key as ca.pem, cert.pem and
// key.pem (buildctl's --tlsdir layout, berth's --builder-tls-dir).
func ClientTLSDir(t testing.TB, ca, cert, key string) string {
	t.Helper()
	dir := t.TempDir()
	for src, dst := range map[string]string{ca: "ca.pem", cert: "cert.pem", key: "key.pem"} {
		b, err := os.ReadFile(src)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, dst), b, 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startBuildkitd runs buildkitd in dir with the OCI worker (Debian's runc, overlayfs, host
// network) trusting the registry's certificate, and returns its address.
func (e *Env) startBuildkitd(t testing.TB, bin, dir string) string {
	return e.startBuildkitdTCP(t, bin, dir, "")
}

// startBuildkitdTCP is startBuildkitd, also listening on grpcTCP with TLS when it is set.
func (e *Env) startBuildkitdTCP(t testing.TB, bin, dir, grpcTCP string) string {
	cfgPath, sock, err := writeConfig(dir, e.Registry, filepath.Join(e.Dir, "registry-ca.pem"), grpcTCP)
	if err != nil {
		t.Fatal(err)
	}
	addr := "unix://" + sock
	logPath := filepath.Join(dir, "buildkitd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			return addr
		}
		select {
		case <-done:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("buildkitd exited at start:\n%s", b)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("buildkitd did not listen on %s within 60s:\n%s", sock, b)
		}
	}
}

// Push stores img in the registry as <registry>/<repo>.
func (e *Env) Push(ctx context.Context, repo string, img v1.Image) (string, error) {
	ref, err := name.ParseReference(e.Registry + "/" + repo)
	if err != nil {
		return "", err
	}
	err = remote.Write(ref, img, remote.WithContext(ctx), remote.WithTransport(e.transport),
		remote.WithAuth(&authn.Basic{Username: User, Password: Password}))
	return ref.String(), err
}

// Image reads <registry>/<ref> back (the manifest it serves), or fails.
func (e *Env) Image(ctx context.Context, ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	return remote.Image(r, remote.WithContext(ctx), remote.WithTransport(e.transport),
		remote.WithAuth(&authn.Basic{Username: User, Password: Password}))
}

// Catalog lists the repositories of the registry.
func (e *Env) Catalog(ctx context.Context) ([]string, error) {
	reg, err := name.NewRegistry(e.Registry)
	if err != nil {
		return nil, err
	}
	return remote.Catalog(ctx, reg, remote.WithTransport(e.transport),
		remote.WithAuth(&authn.Basic{Username: User, Password: Password}))
}

// Transport reaches the registry (it trusts the test certificate).
func (e *Env) Transport() http.RoundTripper { return e.transport }
