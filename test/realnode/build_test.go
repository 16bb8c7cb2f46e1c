package realnode_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/test/cluster/buildkit"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

// TestApplyBuild: examples/shop's own services (api, worker, migrate) are built from their
// Dockerfile (a Go build stage, then one image each) by buildkitd running inside the real
// node's namespaces. `berth build --push` is run twice: the second, with nothing changed, is
// served from the builder's cache (at most a tenth of the first's time, the same digests).
// Then `berth apply --build` pushes them to the node's registry and applies them pinned by
// digest; the kubelet pulls exactly those digests and the shop serves web -> api -> db.
// The base images are build arguments (GO_IMAGE, BASE_IMAGE) pointing at the node's
// registry: this host's Go toolchain as an image (goToolchainImage) and the test busybox.
func TestApplyBuild(t *testing.T) {
	realnode.Require(t)
	bkd := buildkit.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	s := startShopNode(ctx, t, "postgres:16-alpine", "redis:7-alpine", "nginx:1.27-alpine",
		convert.DefaultWaitImage, convert.DefaultJobWaitImage)
	t0 := time.Now()
	goImg, err := goToolchain()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.n.Push(ctx, "berth-test/go:local", goImg); err != nil {
		t.Fatal(err)
	}
	t.Logf("Go toolchain image made and pushed in %s", since(t0))
	sock := startNodeBuilder(t, s.n, bkd)

	compose := filepath.Join(s.root, "examples", "shop", "compose.yaml")
	registry := realnode.RegistryAddr + "/shop"
	env := []string{"BUILDKIT_HOST=unix://" + sock, "DOCKER_CONFIG=" + t.TempDir(), "CI=true",
		"GO_IMAGE=" + realnode.RegistryAddr + "/berth-test/go:local",
		"BASE_IMAGE=" + realnode.RegistryAddr + "/library/" + convert.DefaultWaitImage}
	buildArgs := []string{"build", "-f", compose, "--registry", registry, "--tag", "t1", "--push"}

	t1 := time.Now()
	out, err := runBerthEnv(env, s.berth, buildArgs...)
	first := time.Since(t1)
	if err != nil {
		t.Fatalf("berth build: %v\n%s", err, out)
	}
	digests := builtDigests(t, out, registry)
	t2 := time.Now()
	out2, err := runBerthEnv(env, s.berth, buildArgs...)
	second := time.Since(t2)
	if err != nil {
		t.Fatalf("second berth build: %v\n%s", err, out2)
	}
	t.Logf("berth build --push of api, worker, migrate: first %s, second (nothing changed) %s (%.1f %%)",
		first.Round(10*time.Millisecond), second.Round(10*time.Millisecond), 100*second.Seconds()/first.Seconds())
	if again := builtDigests(t, out2, registry); fmt.Sprint(again) != fmt.Sprint(digests) {
		t.Errorf("the second build made other images: %v, first %v", again, digests)
	}
	if !cachedStep(out2, "go build -trimpath") {
		t.Errorf("the second build's go build step was not served from the cache:\n%s", out2)
	}
	if second*10 > first {
		t.Errorf("the second build took %s, more than a tenth of the first (%s)", second, first)
	}

	t3 := time.Now()
	out, err = runBerthEnv(env, s.berth, "apply", "-f", compose, "--build", "--registry", registry, "--tag", "t1",
		"--kubeconfig", s.n.Kubeconfig, "--wait", "--timeout", applyTimeout())
	if err != nil {
		dumpPods(ctx, t, s.cs)
		t.Fatalf("berth apply --build: %v\n%s", err, out)
	}
	t.Logf("berth apply --build --wait finished in %s", since(t3))

	for svc, digest := range digests {
		pods, err := s.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + svc})
		if err != nil || len(pods.Items) == 0 {
			t.Fatalf("%s pods: %v (%d)", svc, err, len(pods.Items))
		}
		p := pods.Items[0]
		want := registry + "/" + svc + ":t1@" + digest
		if got := p.Spec.Containers[0].Image; got != want {
			t.Errorf("%s runs %s, want %s", svc, got, want)
		}
		if st := p.Status.ContainerStatuses; len(st) == 0 || !strings.HasSuffix(st[0].ImageID, digest) {
			t.Errorf("the kubelet ran %s image %v, want the digest berth pushed (%s)", svc, st, digest)
		}
	}
	t.Run("web to api to db and redis", func(t *testing.T) { checkInfo(ctx, t, s.cs, s.root) })
	t.Run("a kube-pod:// builder", func(t *testing.T) {
		checkKubePodBuilder(ctx, t, s, filepath.Dir(sock), env, buildArgs, digests)
	})
}

// checkKubePodBuilder builds again through a kube-pod:// address: BuildKit's helper runs
// `kubectl exec -i POD -- buildctl dial-stdio`; the pod's buildctl is a relay
// (cmd/buildctl-relay) to the node's buildkitd socket, mounted from the node (hostPath), so
// what is tested is berth's build session over kubectl exec, not a daemon inside the pod.
// The images are served from the cache: the same digests.
func checkKubePodBuilder(ctx context.Context, t *testing.T, s *shopNode, sockDir string, env, args []string, digests map[string]string) {
	bin, err := realnode.GoBinary(ctx, "github.com/berth-dev/berth/test/realnode/cmd/buildctl-relay")
	if err != nil {
		t.Fatal(err)
	}
	img, err := realnode.Image([]realnode.File{{Path: "/usr/bin/buildctl", Mode: 0o755, Data: bin}},
		realnode.ImageConfig{Entrypoint: []string{"/usr/bin/buildctl"}, Cmd: []string{"wait"}})
	if err == nil {
		err = s.n.Push(ctx, "berth-test/buildctl-relay:1", img)
	}
	if err != nil {
		t.Fatal(err)
	}
	dirType := corev1.HostPathDirectory
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "buildkit-relay", Namespace: ns},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "buildkit", Image: "berth-test/buildctl-relay:1",
				VolumeMounts: []corev1.VolumeMount{{Name: "sock", MountPath: "/run/buildkit"}}}},
			Volumes: []corev1.Volume{{Name: "sock", VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: sockDir, Type: &dirType}}}},
			TerminationGracePeriodSeconds: new(int64),
		},
	}
	if _, err := s.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := s.cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("pod %s not running: %v", pod.Name, err)
	}
	// later entries win: the builder is the pod, kubectl finds the node's cluster
	env = append(env[:len(env):len(env)], "BUILDKIT_HOST=kube-pod://"+pod.Name+"?namespace="+ns,
		"KUBECONFIG="+s.n.Kubeconfig, "PATH="+filepath.Dir(s.kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t0 := time.Now()
	out, err := runBerthEnv(env, s.berth, args...)
	if err != nil {
		t.Fatalf("berth build through kube-pod://%s: %v\n%s", pod.Name, err, out)
	}
	t.Logf("berth build --push through kube-pod://%s?namespace=%s (kubectl exec): %s", pod.Name, ns, since(t0))
	if got := builtDigests(t, out, realnode.RegistryAddr+"/shop"); fmt.Sprint(got) != fmt.Sprint(digests) {
		t.Errorf("through kube-pod:// the images are %v, want the first build's %v", got, digests)
	}
	_ = s.cs.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{})
}

// startNodeBuilder runs buildkitd inside n's namespaces, pushing to the node's registry over
// plain HTTP, and returns its socket.
func startNodeBuilder(t *testing.T, n *realnode.Node, buildkitd string) string {
	t.Helper()
	dir := filepath.Join(n.Dir, "buildkit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, sock, err := buildkit.WriteConfig(dir, realnode.RegistryAddr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.StartProcess("buildkitd", buildkitd, "--config", cfg); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatalf("buildkitd did not listen within a minute (log: %s)", filepath.Join(n.Dir, "logs"))
		}
	}
}

// builtDigests reads berth build's table: the digest of each service's pushed image.
func builtDigests(t *testing.T, out, registry string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		// SERVICE  BUILT FROM (words)  IMAGE  DIGEST  PUSHED
		f := strings.Fields(line)
		if n := len(f); n >= 5 && strings.HasPrefix(f[n-3], registry+"/") && f[n-1] == "true" {
			got[f[0]] = f[n-2]
		}
	}
	for _, svc := range []string{"api", "worker", "migrate"} {
		if !strings.HasPrefix(got[svc], "sha256:") {
			t.Fatalf("berth build pushed no image of %s:\n%s", svc, out)
		}
	}
	return got
}

// cachedStep reports whether BuildKit's plain progress says the step whose command contains
// cmd was served from the cache ("#N [build 3/3] RUN ... cmd ..." then "#N CACHED").
func cachedStep(out, cmd string) bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		id, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(id, "#") {
			continue
		}
		if strings.Contains(rest, cmd) {
			ids[id] = true
		} else if rest == "CACHED" && ids[id] {
			return true
		}
	}
	return false
}
