package build_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/test/berthexe"
	"github.com/berth-dev/berth/test/cluster/buildkit"
)

// TestBuildCommand runs the berth executable: berth build --push (handed to berth-cluster),
// then berth convert --registry naming the same images without building.
func TestBuildCommand(t *testing.T) {
	ctx, env, base := startWithBase(t)
	berth := berthexe.Path(t)
	app := project(ctx, t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n    pull_policy: build\n",
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n",
	})
	file := filepath.Join(app.Dir, "compose.yaml")
	registry := env.Registry + "/shop"
	environ := []string{"BUILDKIT_HOST=" + env.Addr, "DOCKER_CONFIG=" + env.DockerConfig, "CI=true"}

	stdout, stderr, err := runIn(ctx, berth, environ, "build", "-f", file, "--registry", registry, "--tag", "v1", "--push")
	if err != nil {
		t.Fatalf("berth build: %v\n%s\n%s", err, stdout, stderr)
	}
	img, err := env.Image(ctx, registry+"/web:v1")
	if err != nil {
		t.Fatalf("the pushed image: %v", err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SERVICE", "web", "web", registry + "/web:v1", d.String(), "true"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("berth build's list lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "#1 [internal] load build definition") {
		t.Errorf("no plain progress on stderr:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, buildkit.Password) {
		t.Error("berth build printed the registry password")
	}

	t.Logf("berth build:\n%s", stdout)

	// convert names the same image without building
	stdout, stderr, err = runIn(ctx, berth, nil, "convert", "-f", file, "--registry", registry, "--tag", "v1")
	if err != nil {
		t.Fatalf("berth convert: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "image: "+registry+"/web:v1\n") || strings.Contains(stdout, "imagePullPolicy: Never") {
		t.Errorf("berth convert --registry: want image %s/web:v1, never imagePullPolicy Never:\n%s", registry, stdout)
	}
	if strings.Contains(stderr, "build and push it") {
		t.Errorf("berth convert --registry still warns that the image must be built:\n%s", stderr)
	}

	// no builder: one error with the commands that start one, exit 1
	_, stderr, err = runIn(ctx, berth, []string{"BUILDKIT_HOST=unix://" + filepath.Join(env.Dir, "none.sock")}, "build", "-f", file, "--registry", registry)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr, "docker buildx create") {
		t.Errorf("berth build without a builder: %v\n%s", err, stderr)
	}
}

func runIn(ctx context.Context, berth string, environ []string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, berth, args...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), environ...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}
