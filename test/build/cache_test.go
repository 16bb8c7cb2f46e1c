package build_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/test/berthexe"
	"github.com/berth-dev/berth/test/cluster/buildkit"
)

// TestBuildRegistryCache: cache_to exports the build's cache to the registry, and a new
// builder with an empty cache reuses it through cache_from (a control builder without
// cache_from runs every step).
func TestBuildRegistryCache(t *testing.T) {
	ctx, env, base := startWithBase(t)
	cacheRef := env.Registry + "/shop/cache:web"
	files := func(cache bool) map[string]string {
		c := "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n"
		if cache {
			c += fmt.Sprintf("      cache_from: [\"type=registry,ref=%s\"]\n      cache_to: [\"type=registry,ref=%s,mode=max\"]\n", cacheRef, cacheRef)
		}
		return map[string]string{
			"compose.yaml":   c,
			"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo one > /one\nRUN echo two > /two\n",
		}
	}
	var progress bytes.Buffer
	if _, err := build.Build(ctx, project(ctx, t, files(true)), opts(env, &progress)); err != nil {
		t.Fatalf("first build: %v\n%s", err, progress.String())
	}
	repos, err := env.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(repos, "shop/cache") {
		t.Errorf("registry repositories %v: no shop/cache (cache_to)", repos)
	}

	run := func(cache bool) (runs, cached int) {
		o := opts(env, &progress)
		o.Builder = env.StartBuilder(t) // an empty cache
		progress.Reset()
		if _, err := build.Build(ctx, project(ctx, t, files(cache)), o); err != nil {
			t.Fatalf("build (cache_from %v): %v\n%s", cache, err, progress.String())
		}
		return runSteps(progress.String())
	}
	if runs, cached := run(false); runs != 2 || cached != 0 {
		t.Errorf("a new builder without cache_from: %d of %d RUN steps CACHED, want 0 of 2", cached, runs)
	}
	if runs, cached := run(true); runs != 2 || cached != 2 {
		t.Errorf("a new builder with cache_from: %d of %d RUN steps CACHED, want 2 of 2:\n%s", cached, runs, progress.String())
	}
}

// TestBuildCredentialHelper: credentials come from a docker credential helper named by the
// docker config (credHelpers), as docker-credential-ecr-login would provide them.
func TestBuildCredentialHelper(t *testing.T) {
	ctx, env := start(t)
	berth := berthexe.Path(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "helper-called")
	helper := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> " + marker + "\n" +
		`printf '{"ServerURL":"%s","Username":"` + buildkit.User + `","Secret":"` + buildkit.Password + `"}\n' "$server"` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-berthtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "docker")
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"credHelpers":{"`+env.Registry+`":"berthtest"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	app := project(ctx, t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build: ./web\n",
		"web/Dockerfile": "FROM scratch\nCOPY index.html /\n",
		"web/index.html": "x\n",
	})
	environ := []string{"BUILDKIT_HOST=" + env.Addr, "DOCKER_CONFIG=" + cfg, "CI=true", "PATH=" + dir + ":" + os.Getenv("PATH")}
	stdout, stderr, err := runIn(ctx, berth, environ, "build", "-f", filepath.Join(app.Dir, "compose.yaml"), "--registry", env.Registry+"/shop", "--tag", "v1", "--push")
	if err != nil {
		t.Fatalf("berth build with a credential helper: %v\n%s\n%s", err, stdout, stderr)
	}
	if b, err := os.ReadFile(marker); err != nil || !strings.Contains(string(b), env.Registry) {
		t.Errorf("the credential helper was not asked for %s: %q, %v", env.Registry, b, err)
	}
	if strings.Contains(stdout+stderr, buildkit.Password) {
		t.Error("berth build printed the credential")
	}
	if _, err := env.Image(ctx, env.Registry+"/shop/web:v1"); err != nil {
		t.Errorf("the image is not in the registry: %v", err)
	}
}
