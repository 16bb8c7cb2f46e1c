package realnode_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/test/berthexe"
	"github.com/berth-dev/berth/test/cluster/buildkit"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

// TestApplyBuild: berth apply --build builds a Compose service's image with buildkitd (run
// inside the node's namespaces), pushes it to the node's registry, and applies it pinned by
// digest; the kubelet pulls exactly that digest and the container serves what the Dockerfile
// wrote.
func TestApplyBuild(t *testing.T) {
	realnode.Require(t)
	bkd := buildkit.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	berth := berthexe.Path(t)
	base, err := busyboxImage()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	n := realnode.ForTest(t, realnode.Options{})
	t.Logf("real node up in %s", since(t0))
	if err := n.Push(ctx, "base/busybox:1", base); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(n.Dir, "buildkit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, sock, err := buildkit.WriteConfig(dir, realnode.RegistryAddr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.StartProcess("buildkitd", bkd, "--config", cfg); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("buildkitd did not listen within a minute (log: %s)", filepath.Join(n.Dir, "logs"))
		}
	}

	project := t.TempDir()
	files := map[string]string{
		"compose.yaml": `name: built
services:
  web:
    build:
      context: ./web
      args:
        BASE: ` + realnode.RegistryAddr + `/base/busybox:1
    pull_policy: build
    ports: ["8080:8080"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 2s
`,
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN mkdir /www && echo 'built by berth' > /www/index.html\n" +
			"EXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
	}
	golden.WriteTree(t, project, files)
	t1 := time.Now()
	cmd := exec.CommandContext(ctx, berth, "apply", "-f", filepath.Join(project, "compose.yaml"), "--build",
		"--registry", realnode.RegistryAddr+"/built", "--tag", "v1", "--expose", "none",
		"--kubeconfig", n.Kubeconfig, "--wait", "--timeout", applyTimeout())
	cmd.Env = append(os.Environ(), "BUILDKIT_HOST=unix://"+sock, "DOCKER_CONFIG="+t.TempDir(), "CI=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("berth apply --build: %v\n%s", err, out)
	}
	t.Logf("berth apply --build --wait finished in %s", since(t1))

	cs, err := n.Client()
	if err != nil {
		t.Fatal(err)
	}
	pods, err := cs.CoreV1().Pods("built").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("web pods: %v (%d)", err, len(pods.Items))
	}
	p := pods.Items[0]
	image := p.Spec.Containers[0].Image
	_, digest, ok := strings.Cut(image, "@")
	if !ok || !strings.HasPrefix(image, realnode.RegistryAddr+"/built/web:v1@sha256:") {
		t.Fatalf("web runs %s, want %s/built/web:v1@sha256:...", image, realnode.RegistryAddr)
	}
	if len(p.Status.ContainerStatuses) == 0 || !strings.HasSuffix(p.Status.ContainerStatuses[0].ImageID, digest) {
		t.Errorf("the kubelet ran image %v, want the digest berth pushed (%s)", p.Status.ContainerStatuses, digest)
	}
	t.Logf("web runs %s; the kubelet pulled %s", image, p.Status.ContainerStatuses[0].ImageID)
	body, err := realnode.ServiceGet(ctx, cs, "built", "web", "8080", "/", nil)
	if err != nil || strings.TrimSpace(string(body)) != "built by berth" {
		t.Errorf("GET web:8080/ = %q, %v; want the page the Dockerfile wrote", body, err)
	}
}
