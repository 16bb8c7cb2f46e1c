package realnode_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/test/cluster/realnode"
)

// checkECS converts testdata/ecs/task.json, an ECS task with an init container (setup,
// awaited with SUCCESS), a sidecar (cache, awaited with HEALTHY) and the app, applies it with
// berth apply --wait and checks that Kubernetes ran it as ECS would: setup completed and
// cache was started before app started, app reads setup's file from the shared volume and
// reaches cache on the task's localhost, and the Service answers through the API server.
func checkECS(ctx context.Context, t *testing.T, n *realnode.Node, berth string) {
	pushECSApp(ctx, t, n)
	cs, err := n.Client()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	run(t, berth, "convert", "-f", filepath.Join("testdata", "ecs", "task.json"), "-o", out)
	start := time.Now()
	if o, err := runBerth(berth, "apply", "--from", out, "--kubeconfig", n.Kubeconfig, "--wait", "--timeout", "2m"); err != nil {
		t.Fatalf("berth apply --wait: %v\n%s", err, o)
	}
	t.Logf("berth apply --wait of the ECS task finished in %s", since(start))

	const ecsNS = "ecsdemo"
	pods, err := cs.CoreV1().Pods(ecsNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("%d pods in %s, want 1", len(pods.Items), ecsNS)
	}
	p := pods.Items[0]
	if !podReady(&p) {
		t.Errorf("pod %s is not Ready", p.Name)
	}
	checkECSOrder(t, &p)

	body, err := realnode.ServiceGet(ctx, cs, ecsNS, "ecsdemo", "http", "/", nil)
	if err != nil {
		t.Fatalf("GET / through the ecsdemo Service: %v", err)
	}
	want := "hello from an ECS task; setup: prepared-by-setup; cache: PONG"
	if got := strings.TrimSpace(string(body)); got != want {
		t.Errorf("GET / = %q, want %q", got, want)
	}
}

// checkECSOrder reads the pod's status: setup (init) exited 0 and cache (native sidecar) was
// running and started before the app container started.
func checkECSOrder(t *testing.T, p *corev1.Pod) {
	var setupDone, cacheStarted, appStarted time.Time
	for _, s := range p.Status.InitContainerStatuses {
		switch s.Name {
		case "setup":
			if term := s.State.Terminated; term == nil || term.ExitCode != 0 {
				t.Errorf("init container setup: %s, want exited 0", stateString(s.State))
			} else {
				setupDone = term.FinishedAt.Time
			}
		case "cache":
			if s.State.Running == nil || s.Started == nil || !*s.Started {
				t.Errorf("sidecar cache: %s started=%v, want running and started", stateString(s.State), s.Started)
			} else {
				cacheStarted = s.State.Running.StartedAt.Time
			}
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.Name == "app" && s.State.Running != nil {
			appStarted = s.State.Running.StartedAt.Time
		}
	}
	t.Logf("setup finished %s, cache started %s, app started %s",
		setupDone.Format("15:04:05"), cacheStarted.Format("15:04:05"), appStarted.Format("15:04:05"))
	if setupDone.IsZero() || cacheStarted.IsZero() || appStarted.IsZero() {
		t.Fatal("missing start or finish times")
	}
	// one-second resolution: "not before"
	if appStarted.Before(setupDone) || appStarted.Before(cacheStarted) || cacheStarted.Before(setupDone) {
		t.Errorf("order violated: want setup finished <= cache started <= app started")
	}
}

// checkECSMore converts testdata/ecs/more-task.json (applied after checkECS pushed the ecs-app
// image): a bridge-mode task whose web container maps host port 80 to container port 8080,
// sizes its containers only through the task (cpu 256, memory 256; web reserves 64 MiB), mounts
// a tmpfs, takes a data-only container's volume through volumesFrom, and has a sidecar with
// stopTimeout 20. The node must run it as ECS would: clients of port 80 reach the app through
// the Service; the container's cgroup has the task's limits (256 MiB, 250m); /scratch is a
// tmpfs; the data-only container ran once and exited 0 (not a sidecar restarting forever);
// the pod keeps ECS's 30 s default grace for web (not the sidecar's 20 s).
func checkECSMore(ctx context.Context, t *testing.T, n *realnode.Node, berth string) {
	cs, err := n.Client()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	run(t, berth, "convert", "-f", filepath.Join("testdata", "ecs", "more-task.json"), "-o", out)
	if o, err := runBerth(berth, "apply", "--from", out, "--kubeconfig", n.Kubeconfig, "--wait", "--timeout", "2m"); err != nil {
		dumpPods(ctx, t, cs)
		t.Fatalf("berth apply --wait: %v\n%s", err, o)
	}
	const moreNS = "ecsmore"
	pods, err := cs.CoreV1().Pods(moreNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("%d pods in %s, want 1", len(pods.Items), moreNS)
	}
	p := pods.Items[0]
	for _, s := range p.Status.InitContainerStatuses {
		if s.Name == "content" {
			if term := s.State.Terminated; term == nil || term.ExitCode != 0 || s.RestartCount != 0 {
				t.Errorf("data-only container content: %s, %d restarts; want exited 0 once", stateString(s.State), s.RestartCount)
			}
		}
	}
	if g := p.Spec.TerminationGracePeriodSeconds; g == nil || *g != 30 {
		t.Errorf("terminationGracePeriodSeconds = %v, want 30 (ECS's default for web, longer than side's 20)", g)
	}
	// Port 80, the task's host port, through the API server's Service proxy.
	body, err := realnode.ServiceGet(ctx, cs, moreNS, "ecsmore", "80", "/facts", nil)
	if err != nil {
		t.Fatalf("GET /facts through Service ecsmore port 80: %v", err)
	}
	facts := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			facts[k] = v
		}
	}
	t.Logf("web's facts: %v", facts)
	for k, want := range map[string]string{
		"memory.max": "268435456", // the task's 256 MiB bounds the container
		"cpu.max":    "25000",     // the task's 256 CPU units: 250m, 25 ms of each 100 ms
		"/scratch":   "tmpfs",
		"/content":   "true",
	} {
		got := facts[k]
		if k == "cpu.max" {
			got = strings.TrimSuffix(got, " 100000") // cgroup v2 "quota period"; v1 quota alone
		}
		if got != want {
			t.Errorf("%s = %q, want %q", k, facts[k], want)
		}
	}
}

// pushECSApp builds test/realnode/cmd/ecs-app into berth-example/ecs-app:1.0 on n.
func pushECSApp(ctx context.Context, t *testing.T, n *realnode.Node) {
	t.Helper()
	img, err := realnode.GoImage(ctx, "", "github.com/berth-dev/berth/test/realnode/cmd/ecs-app", "ecs-app",
		realnode.ImageConfig{ExposedPorts: []string{"8080/tcp"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Push(ctx, "berth-example/ecs-app:1.0", img); err != nil {
		t.Fatal(err)
	}
}
