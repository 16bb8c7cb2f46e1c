package build_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/test/berthexe"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/cluster/buildkit"
)

// kube is the control plane berth apply --build applies to.
var kube = cluster.NewShared(cluster.Options{})

func TestMain(m *testing.M) {
	code := kube.Run(m)
	berthexe.Remove()
	os.Exit(code)
}

// TestApplyBuild: berth apply --build builds, pushes, then applies with the image pinned by
// the digest the registry holds; a failing build applies nothing.
func TestApplyBuild(t *testing.T) {
	env := buildkit.Start(t)
	c := kube.Get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	base := pushBase(ctx, t, env)
	berth := berthexe.Path(t)
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	registry := env.Registry + "/shop"
	environ := []string{"BUILDKIT_HOST=" + env.Addr, "DOCKER_CONFIG=" + env.DockerConfig, "CI=true", "KUBECONFIG=" + c.Kubeconfig}

	app := project(ctx, t, map[string]string{
		"compose.yaml": "name: buildapp\nservices:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n" +
			"    pull_policy: build\n    expose: [\"8080\"]\n  cache:\n    image: redis:7.2.5\n",
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo v1 > /version\nCMD [\"sleep\", \"3600\"]\n",
	})
	file := filepath.Join(app.Dir, "compose.yaml")
	stdout, stderr, err := runIn(ctx, berth, environ, "apply", "-f", file, "--build", "--registry", registry, "--tag", "v1", "--wait=false")
	if err != nil {
		t.Fatalf("berth apply --build: %v\n%s\n%s", err, stdout, stderr)
	}
	img, err := env.Image(ctx, registry+"/web:v1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	dep, err := cs.AppsV1().Deployments("buildapp").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctr := dep.Spec.Template.Spec.Containers[0]
	if want := registry + "/web:v1@" + d.String(); ctr.Image != want || ctr.ImagePullPolicy != "IfNotPresent" {
		t.Errorf("web runs %s (%s), want %s (IfNotPresent)", ctr.Image, ctr.ImagePullPolicy, want)
	}
	cache, err := cs.AppsV1().Deployments("buildapp").Get(ctx, "cache", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cache.Spec.Template.Spec.Containers[0].Image != "redis:7.2.5" {
		t.Errorf("a service without build runs %s, want redis:7.2.5", cache.Spec.Template.Spec.Containers[0].Image)
	}
	if !strings.Contains(stderr, registry+"/web:v1") || !strings.Contains(stderr, d.String()) {
		t.Errorf("apply --build does not list the image it built:\n%s", stderr)
	}

	// a failing build: exit 1, nothing applied
	app = project(ctx, t, map[string]string{
		"compose.yaml":   "name: brokenapp\nservices:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n",
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN false\n",
	})
	_, stderr, err = runIn(ctx, berth, environ, "apply", "-f", filepath.Join(app.Dir, "compose.yaml"), "--build", "--registry", registry, "--wait=false")
	if err == nil || !strings.Contains(stderr, "services.web.build: service web: building and pushing") {
		t.Errorf("apply --build of a failing build: %v\n%s", err, stderr)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "brokenapp", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace brokenapp after a failed build: %v, want not found (nothing applied)", err)
	}
}
