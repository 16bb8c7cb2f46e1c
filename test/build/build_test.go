// Package build_test builds images with berth's BuildKit client against a real buildkitd
// (Debian's runc) and a TLS registry with basic auth (package test/cluster/buildkit).
package build_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/test/cluster/buildkit"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

const secretValue = "tok-8f1d2c-never-logged"

// start starts a builder and its registry (buildkit.Start) and returns them with a context
// that ends after 10 minutes or with the test.
func start(t *testing.T) (context.Context, *buildkit.Env) {
	t.Helper()
	env := buildkit.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx, env
}

// startWithBase is start with a base image pushed to the registry (pushBase); it returns
// the base image's reference.
func startWithBase(t *testing.T) (context.Context, *buildkit.Env, string) {
	t.Helper()
	ctx, env := start(t)
	return ctx, env, pushBase(ctx, t, env)
}

// pushBase stores a busybox image (the host's static busybox) as the base images' source.
func pushBase(ctx context.Context, t *testing.T, env *buildkit.Env) string {
	t.Helper()
	files, err := realnode.HostFiles("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "cat", "test", "echo", "ls", "false", "true", "sha256sum", "cut"} {
		files = append(files, realnode.File{Path: "/bin/" + a, Link: "busybox"})
	}
	img, err := realnode.Image(files, realnode.ImageConfig{Cmd: []string{"sh"}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := env.Push(ctx, "base/busybox:1", img)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// project writes files (path → content) under a new directory and loads its compose.yaml.
func project(ctx context.Context, t *testing.T, files map[string]string, environ ...string) *model.App {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "project") // "../x" files land beside it
	golden.WriteTree(t, dir, files)
	app, err := compose.Load(ctx, compose.Options{Files: []string{filepath.Join(dir, "compose.yaml")}, Environ: environ})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func opts(env *buildkit.Env, progress io.Writer) build.Options {
	return build.Options{
		Registry: env.Registry + "/shop", Tag: "t1", Push: true, Builder: env.Addr,
		Environ: []string{"DOCKER_CONFIG=" + env.DockerConfig, "HOME=" + env.Dir}, Progress: progress,
	}
}

const webCompose = `
services:
  web:
    build:
      context: ./web
      args:
        BASE: ${BASE}
        GREETING: hello from berth
      labels:
        org.example.team: shop
      secrets: [token]
      additional_contexts:
        extra: ./extra
secrets:
  token:
    file: ./token.txt
`

const webDockerfile = `ARG BASE
FROM ${BASE}
ARG GREETING
COPY . /app
COPY --from=extra note.txt /note.txt
RUN --mount=type=secret,id=token sha256sum /run/secrets/token | cut -d" " -f1 > /token.sha256 && echo "$GREETING" > /greeting
RUN test ! -e /app/ignored.txt
`

func TestBuildPushCache(t *testing.T) {
	ctx, env, base := startWithBase(t)
	app := project(ctx, t, map[string]string{
		"compose.yaml":      webCompose,
		"web/Dockerfile":    webDockerfile,
		"web/main.txt":      "app file\n",
		"web/ignored.txt":   "must not reach the image\n",
		"web/.dockerignore": "ignored.txt\n",
		"extra/note.txt":    "from an additional context\n",
		"token.txt":         secretValue,
	}, "BASE="+base)

	var progress bytes.Buffer
	t0 := time.Now()
	imgs, err := build.Build(ctx, app, opts(env, &progress))
	first := time.Since(t0)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	if len(imgs) != 1 || !imgs[0].Pushed || imgs[0].Ref != env.Registry+"/shop/web:t1" || !strings.HasPrefix(imgs[0].Digest, "sha256:") {
		t.Fatalf("images = %+v", imgs)
	}
	img, err := env.Image(ctx, imgs[0].Pinned())
	if err != nil {
		t.Fatalf("reading %s back: %v", imgs[0].Pinned(), err)
	}
	files := imageFiles(t, img)
	for path, want := range map[string]string{"greeting": "hello from berth\n", "app/main.txt": "app file\n", "note.txt": "from an additional context\n"} {
		if got, ok := files[path]; !ok || got != want {
			t.Errorf("/%s = %q (present %v), want %q", path, got, ok, want)
		}
	}
	if _, ok := files["app/ignored.txt"]; ok {
		t.Error(".dockerignore not honoured: /app/ignored.txt is in the image")
	}
	if got, want := strings.TrimSpace(files["token.sha256"]), fmt.Sprintf("%x", sha256.Sum256([]byte(secretValue))); got != want {
		t.Errorf("the RUN step saw a secret with SHA-256 %q, want %q", got, want)
	}
	for p, c := range files {
		if strings.Contains(c, secretValue) {
			t.Errorf("the build secret is in the image at /%s", p)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels["org.example.team"] != "shop" {
		t.Errorf("labels = %v, want org.example.team=shop", cf.Config.Labels)
	}
	for _, s := range []string{secretValue, buildkit.Password} {
		if strings.Contains(progress.String(), s) {
			t.Errorf("progress output holds a secret (%q...)", s[:4])
		}
	}

	// the same build again: every step from the cache
	progress.Reset()
	t0 = time.Now()
	imgs2, err := build.Build(ctx, app, opts(env, &progress))
	second := time.Since(t0)
	if err != nil {
		t.Fatalf("second build: %v", err)
	}
	if runs, cached := runSteps(progress.String()); runs == 0 || cached != runs {
		t.Errorf("second build: %d of %d RUN steps CACHED, want all:\n%s", cached, runs, progress.String())
	}
	if imgs2[0].Digest != imgs[0].Digest {
		t.Errorf("unchanged input, new digest: %s, then %s", imgs[0].Digest, imgs2[0].Digest)
	}

	// a changed source file: the steps after its COPY run again
	if err := os.WriteFile(filepath.Join(app.Dir, "web", "main.txt"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	progress.Reset()
	imgs3, err := build.Build(ctx, app, opts(env, &progress))
	if err != nil {
		t.Fatalf("third build: %v", err)
	}
	if runs, cached := runSteps(progress.String()); runs == 0 || cached != 0 {
		t.Errorf("after a change: %d of %d RUN steps CACHED, want none:\n%s", cached, runs, progress.String())
	}
	if imgs3[0].Digest == imgs[0].Digest {
		t.Errorf("changed input, same digest %s", imgs[0].Digest)
	}
	t.Logf("first build+push %v, second %v (%.0f%%); digests %s, %s", first.Round(time.Millisecond), second.Round(time.Millisecond),
		100*second.Seconds()/first.Seconds(), imgs[0].Digest, imgs2[0].Digest)
}

// runSteps counts the RUN steps of a plain progress log ("#7 [3/4] RUN ...") and those the
// builder served from its cache ("#7 CACHED"); each solve numbers its steps from #1.
func runSteps(log string) (runs, cached int) {
	const pending, done = 1, 2
	state := map[string]int{} // step number → pending (a RUN) or done (a RUN seen CACHED)
	for _, l := range strings.Split(log, "\n") {
		num, rest, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(num, "#") {
			continue
		}
		if num == "#1" && strings.HasPrefix(rest, "[internal] load build definition") {
			clear(state)
		}
		if _, step, ok := strings.Cut(rest, "] "); ok && strings.HasPrefix(step, "RUN ") && state[num] == 0 {
			state[num] = pending
			runs++
		}
		if rest == "CACHED" && state[num] == pending {
			state[num] = done
			cached++
		}
	}
	return runs, cached
}

// imageFiles reads every regular file of img's layers (later layers win).
func imageFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag != tar.TypeReg || h.Size > 1<<20 {
				continue
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(h.Name, "./")] = string(b)
		}
		rc.Close()
	}
	return out
}
