package build_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/test/cluster/buildkit"
)

// TestBuildPlatforms: two platforms make one index; a platform the builder cannot run is one
// error naming the service and build.platforms, and nothing is pushed.
func TestBuildPlatforms(t *testing.T) {
	ctx, env := start(t)

	app := project(ctx, t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      platforms: [linux/amd64, linux/arm64]\n",
		"web/Dockerfile": "FROM scratch\nCOPY index.html /srv/\n",
		"web/index.html": "<p>shop</p>\n",
	})
	var progress bytes.Buffer
	imgs, err := build.Build(ctx, app, opts(env, &progress))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	ref, err := name.ParseReference(imgs[0].Pinned())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, remote.WithContext(ctx), remote.WithTransport(env.Transport()),
		remote.WithAuth(&authn.Basic{Username: buildkit.User, Password: buildkit.Password}))
	if err != nil {
		t.Fatalf("%s is not an index: %v", imgs[0].Pinned(), err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" { // attestations are "unknown/unknown"
			platforms = append(platforms, d.Platform.OS+"/"+d.Platform.Architecture)
		}
	}
	slices.Sort(platforms)
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("index platforms %v, want linux/amd64 and linux/arm64", platforms)
	}

	// an arm64 program RUN on an amd64 builder without QEMU
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/qemu-aarch64"); err == nil {
		t.Skip("this host runs arm64 programs (QEMU binfmt): no failing platform to test")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app = project(ctx, t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      platforms: [linux/arm64]\n",
		"web/Dockerfile": "FROM scratch\nCOPY hello /hello\nRUN [\"/hello\"]\n",
	})
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(app.Dir, "web", "hello"), "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for arm64: %v\n%s", err, out)
	}
	progress.Reset()
	o := opts(env, &progress)
	before := env.Writes()
	_, err = build.Build(ctx, app, o)
	if err == nil {
		t.Fatal("an arm64 RUN built on an amd64 builder without QEMU")
	}
	for _, want := range []string{"services.web.build: service web: ", `Dockerfile:3: RUN ["/hello"]`,
		"services.web.build.platforms linux/arm64: the builder runs programs of linux/amd64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if !strings.Contains(progress.String(), "exec format error") {
		t.Errorf("the progress output does not show the step's exec format error:\n%s", progress.String())
	}
	if n := env.Writes() - before; n != 0 {
		t.Errorf("%d writes reached the registry after a failure", n)
	}
	t.Logf("error: %v", err)
}
