// Package realnode_test proves that converted apps really run: examples/shop is converted by
// `berth convert`, applied by `berth apply --wait` to a real node (package
// test/cluster/realnode: kubelet, containerd, runc) and exercised through its Services.
package realnode_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/test/berthexe"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

const ns = "shop" // the example's project name

func TestMain(m *testing.M) { os.Exit(berthexe.Main(m)) }

// TestShop converts and applies examples/shop on a real node and checks that it works; on
// the same node it first runs a Compose model with its consumers (checkModels), then checks a broken healthcheck, a secret in args and probes, and an ECS
// multi-container task.
func TestShop(t *testing.T) {
	ctx := context.Background()
	s := startShopNode(ctx, t)
	root, berth, n, cs := s.root, s.berth, s.n, s.cs
	// first, while the node is empty: the model server requests a whole CPU of the node's two
	t.Run("a Compose model served by llama.cpp's server", func(t *testing.T) { checkModels(ctx, t, s) })

	out := filepath.Join(t.TempDir(), "out")
	run(t, berth, "convert", "-f", filepath.Join(root, "examples", "shop", "compose.yaml"), "-o", out)
	t2 := time.Now()
	if out, err := runBerth(berth, "apply", "--from", out, "--kubeconfig", n.Kubeconfig, "--wait", "--timeout", applyTimeout()); err != nil {
		dumpPods(ctx, t, cs)
		t.Fatalf("berth apply --wait: %v\n%s", err, out)
	}
	t.Logf("berth apply --wait finished in %s", since(t2))

	t.Run("pods ready through their probes", func(t *testing.T) { checkPodsReady(ctx, t, cs) })
	t.Run("start-up order follows depends_on", func(t *testing.T) { checkStartOrder(ctx, t, cs) })
	t.Run("web to api to db and redis", func(t *testing.T) { checkInfo(ctx, t, cs, root) })
	id := t.Run("order goes through redis to the worker", func(t *testing.T) { checkOrder(ctx, t, cs) })
	if id {
		t.Run("data survives a restart of db", func(t *testing.T) { checkRestart(ctx, t, cs, berth, n.Kubeconfig, out) })
	}
	t.Run("a broken healthcheck fails apply --wait", func(t *testing.T) { checkBroken(t, berth, n.Kubeconfig) })
	t.Run("a secret in args and probes stays in its Secret", func(t *testing.T) { checkSecretArgs(ctx, t, cs, berth, n.Kubeconfig) })
	if t.Run("ECS task with init container and sidecar", func(t *testing.T) { checkECS(ctx, t, n, berth) }) {
		t.Run("ECS task sizing, host port, data-only container, tmpfs, grace", func(t *testing.T) { checkECSMore(ctx, t, n, berth) })
	}
}

// checkBroken applies testdata/broken (a healthcheck that cannot pass): `berth apply --wait`
// must fail and its message must name the pod and the probe failure.
func checkBroken(t *testing.T, berth, kubeconfig string) {
	start := time.Now()
	out, err := runBerth(berth, "apply", "-f", filepath.Join("testdata", "broken", "compose.yaml"),
		"--kubeconfig", kubeconfig, "--wait", "--timeout", "25s")
	t.Logf("berth apply --wait failed after %s:\n%s", since(start), out)
	if err == nil {
		t.Fatal("berth apply --wait succeeded with a healthcheck that cannot pass")
	}
	want := regexp.MustCompile(`(?i)pod cache-[a-z0-9]+-[a-z0-9]+: (readiness|liveness|startup) probe failed: could not connect to redis`)
	if !want.MatchString(out) {
		t.Errorf("the failure does not name the pod and the reason (want a line matching %s)", want)
	}
}

// checkSecretArgs applies testdata/secret-args: a password that redis-server takes as an
// argument and its healthcheck passes to redis-cli. berth writes both as references to the
// Secret ($(VAR) in args, "${VAR}" in the shell of the probe); the pod becomes Ready only if
// both reach the container, and the password appears in no ConfigMap, argument or probe.
func checkSecretArgs(ctx context.Context, t *testing.T, cs kubernetes.Interface, berth, kubeconfig string) {
	const password, namespace = "s3cr3t-Redis-Pw-91x", "secret-args"
	start := time.Now()
	out, err := runBerth(berth, "apply", "-f", filepath.Join("testdata", "secret-args", "compose.yaml"),
		"--kubeconfig", kubeconfig, "--wait", "--timeout", applyTimeout())
	t.Logf("berth apply --wait took %s:\n%s", since(start), out)
	if err != nil {
		t.Fatalf("the pod whose args and probes read the password from its Secret did not become ready: %v", err)
	}
	if strings.Contains(out, password) {
		t.Error("berth apply printed the password")
	}
	cms, err := cs.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		for k, v := range cm.Data {
			if strings.Contains(v, password) {
				t.Errorf("ConfigMap %s key %s holds the password", cm.Name, k)
			}
		}
	}
	dep, err := cs.AppsV1().Deployments(namespace).Get(ctx, "cache", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	var words []string
	words = append(append(words, c.Command...), c.Args...)
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
		if p != nil && p.Exec != nil {
			words = append(words, p.Exec.Command...)
		}
	}
	if strings.Contains(strings.Join(words, " "), password) {
		t.Errorf("the password is in the container's command, args or probes: %q", words)
	}
	if c.ReadinessProbe == nil || !strings.Contains(strings.Join(c.Args, " "), "$(REDIS_PASSWORD)") {
		t.Errorf("expected args reading $(REDIS_PASSWORD) and a readiness probe; got args %q", c.Args)
	}
	secrets, err := cs.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sec := range secrets.Items {
		found = found || string(sec.Data["REDIS_PASSWORD"]) == password
	}
	if !found {
		t.Error("no Secret holds REDIS_PASSWORD")
	}
}

// shopNode is what the tests of examples/shop start from: a real node holding the shop's
// images, a client of it, berth, kubectl and the module root.
type shopNode struct {
	n                    *realnode.Node
	cs                   kubernetes.Interface
	root, berth, kubectl string
}

// startShopNode builds the shop's images and berth, starts a real node (or skips, see
// realnode.Require) and pushes to it the images named by refs, every image when none is named.
func startShopNode(ctx context.Context, t *testing.T, refs ...string) *shopNode {
	t.Helper()
	realnode.Require(t)
	s := &shopNode{root: corpus.ModuleRoot(t)}
	t0 := time.Now()
	images, err := shopImages(ctx, s.root)
	if err != nil {
		t.Fatal(err)
	}
	s.berth = berthexe.Path(t)
	t.Logf("images and berth built in %s", since(t0))
	bin, err := cluster.Binaries()
	if err != nil {
		t.Fatal(err)
	}
	s.kubectl = bin.Kubectl

	t1 := time.Now()
	s.n = realnode.ForTest(t, realnode.Options{})
	t.Logf("real node up in %s", since(t1))
	if len(refs) == 0 {
		for ref := range images {
			refs = append(refs, ref)
		}
	}
	for _, ref := range refs {
		if err := s.n.Push(ctx, ref, images[ref]); err != nil {
			t.Fatal(err)
		}
	}
	if s.cs, err = s.n.Client(); err != nil {
		t.Fatal(err)
	}
	return s
}

// applyTimeout bounds `berth apply --wait` (BERTH_TEST_APPLY_TIMEOUT overrides it).
func applyTimeout() string {
	if v := os.Getenv("BERTH_TEST_APPLY_TIMEOUT"); v != "" {
		return v
	}
	return "4m"
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

// run runs berth and fails the test when it fails.
func run(t *testing.T, berth string, args ...string) string {
	t.Helper()
	out, err := runBerth(berth, args...)
	if err != nil {
		t.Fatalf("berth %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runBerth(berth string, args ...string) (string, error) { return runBerthEnv(nil, berth, args...) }

// runBerthEnv is runBerth with env added to the environment.
func runBerthEnv(env []string, berth string, args ...string) (string, error) {
	cmd := exec.Command(berth, args...)
	cmd.Env = append(append(os.Environ(), "KUBECONFIG=/nonexistent", "NO_COLOR=1"), env...)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

func checkPodsReady(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byApp := map[string]int{}
	for _, p := range pods.Items {
		app := p.Labels["app.kubernetes.io/name"]
		if p.Status.Phase == corev1.PodSucceeded && app == "migrate" {
			byApp[app]++
			continue
		}
		if !podReady(&p) {
			t.Errorf("pod %s is %s and not Ready", p.Name, p.Status.Phase)
			continue
		}
		byApp[app]++
		for _, c := range p.Spec.Containers {
			if c.ReadinessProbe == nil && app != "worker" {
				t.Errorf("pod %s container %s has no readiness probe: Ready proves nothing", p.Name, c.Name)
			}
		}
	}
	want := map[string]int{"web": 2, "api": 1, "worker": 1, "migrate": 1, "db": 1, "redis": 1}
	for app, n := range want {
		if byApp[app] != n {
			t.Errorf("%s: %d ready (or completed) pods, want %d", app, byApp[app], n)
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// checkStartOrder reads start and finish times from the pods' status: every dependency is
// ready (or, for migrate, completed) before the dependent's main container starts.
func checkStartOrder(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := map[string]time.Time{} // first main-container start per app
	ready := map[string]time.Time{}   // first Ready (Succeeded: finish) per app
	for _, p := range pods.Items {
		app := p.Labels["app.kubernetes.io/name"]
		for _, s := range p.Status.ContainerStatuses {
			var at time.Time
			switch {
			case s.State.Running != nil:
				at = s.State.Running.StartedAt.Time
			case s.State.Terminated != nil:
				at = s.State.Terminated.StartedAt.Time
				if fin := s.State.Terminated.FinishedAt.Time; app == "migrate" && s.State.Terminated.ExitCode == 0 {
					setEarliest(ready, app, fin)
				}
			}
			setEarliest(started, app, at)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				setEarliest(ready, app, c.LastTransitionTime.Time)
			}
		}
		for _, s := range p.Status.InitContainerStatuses {
			if s.State.Terminated != nil {
				t.Logf("%-8s init %-14s %s .. %s", app, s.Name, s.State.Terminated.StartedAt.Format("15:04:05"), s.State.Terminated.FinishedAt.Format("15:04:05"))
			}
		}
	}
	var apps []string
	for a := range started {
		apps = append(apps, a)
	}
	sort.Slice(apps, func(i, j int) bool { return started[apps[i]].Before(started[apps[j]]) })
	for _, a := range apps {
		t.Logf("%-8s main container started %s, ready/completed %s", a, started[a].Format("15:04:05"), ready[a].Format("15:04:05"))
	}
	// depends_on of examples/shop/compose.yaml (conditions: healthy/started/completed)
	deps := map[string][]string{
		"web":     {"api"},
		"api":     {"db", "redis", "migrate"},
		"worker":  {"redis", "db"},
		"migrate": {"db"},
	}
	for app, ds := range deps {
		for _, d := range ds {
			// Kubernetes timestamps have one-second resolution: "not before" is the check
			if started[app].IsZero() || ready[d].IsZero() {
				t.Errorf("%s or %s has no recorded time", app, d)
				continue
			}
			if started[app].Before(ready[d]) {
				t.Errorf("%s started at %s, before its dependency %s was ready at %s", app, started[app].Format(time.RFC3339), d, ready[d].Format(time.RFC3339))
			}
		}
	}
}

func setEarliest(m map[string]time.Time, k string, v time.Time) {
	if v.IsZero() {
		return
	}
	if cur, ok := m[k]; !ok || v.Before(cur) {
		m[k] = v
	}
}

// webGet GETs path through web's Service with the API server's service proxy.
func webGet(ctx context.Context, cs kubernetes.Interface, path string) ([]byte, error) {
	return realnode.ServiceGet(ctx, cs, ns, "web", "80", path, nil)
}

func webPost(ctx context.Context, cs kubernetes.Interface, path string, form url.Values) ([]byte, error) {
	return cs.CoreV1().RESTClient().Post().Namespace(ns).Resource("services").Name("http:web:80").
		SubResource("proxy").Suffix(path).SetHeader("Content-Type", "application/x-www-form-urlencoded").
		Body([]byte(form.Encode())).DoRaw(ctx)
}

// checkInfo asks api, through web (nginx with the example's nginx.conf from a ConfigMap),
// what it was configured with and whether its backends answer.
func checkInfo(ctx context.Context, t *testing.T, cs kubernetes.Interface, root string) {
	challenge := strconv.FormatInt(time.Now().UnixNano(), 36)
	body, err := realnode.ServiceGet(ctx, cs, ns, "web", "80", "/api/info", map[string]string{"challenge": challenge})
	if err != nil {
		t.Fatalf("GET /api/info through web: %v", err)
	}
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("GET /api/info: %v: %s", err, body)
	}
	t.Logf("api /info: %s", body)
	secret := envFileValue(t, filepath.Join(root, "examples", "shop", ".env"), "SESSION_SECRET")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(challenge))
	want := map[string]any{
		"currency":             "EUR",                            // env_file .env -> ConfigMap
		"log_level":            "info",                           // env_file .env -> ConfigMap
		"session_secret_proof": hex.EncodeToString(mac.Sum(nil)), // secret env -> Secret
		"password_file":        "/run/secrets/db_password",
		"redis":                "PONG",
		"migrations":           float64(1),
	}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("/api/info %s = %v, want %v", k, info[k], v)
		}
	}
	checkSecretPlacement(ctx, t, cs, secret, readTrimmed(t, filepath.Join(root, "examples", "shop", "secrets", "db_password.txt")))
	// the login with the password from the Compose secret file worked
	if db, _ := info["db"].(string); !strings.HasPrefix(db, "PostgreSQL ") {
		t.Errorf("/api/info db = %q, want a PostgreSQL version", db)
	}
}

// checkSecretPlacement: the secret values reached the pods through Secrets, and no
// ConfigMap holds them.
func checkSecretPlacement(ctx context.Context, t *testing.T, cs kubernetes.Interface, values ...string) {
	cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		for k, v := range cm.Data {
			for _, secret := range values {
				if strings.Contains(v, secret) {
					t.Errorf("ConfigMap %s key %s holds a secret value", cm.Name, k)
				}
			}
		}
	}
	secrets, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range values {
		found := false
		for _, s := range secrets.Items {
			for _, v := range s.Data {
				found = found || strings.TrimSpace(string(v)) == secret
			}
		}
		if !found {
			t.Errorf("no Secret in %s holds the value of a secret (%d bytes)", ns, len(secret))
		}
	}
}

func readTrimmed(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		t.Fatalf("%s: empty or unreadable (%v)", path, err)
	}
	return strings.TrimSpace(string(b))
}

func envFileValue(t *testing.T, path, key string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	t.Fatalf("%s: no %s", path, key)
	return ""
}

type order struct {
	ID          int64  `json:"id"`
	Item        string `json:"item"`
	Quantity    int    `json:"quantity"`
	ProcessedBy string `json:"processed_by"`
}

var placed order // the order checkOrder placed, read again by checkRestart

// checkOrder places an order through web; api writes it to db and queues it in redis; the
// worker takes it and records itself.
func checkOrder(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	body, err := webPost(ctx, cs, "api/orders", url.Values{"item": {"teapot"}, "quantity": {"2"}})
	if err != nil {
		t.Fatalf("POST /api/orders: %v: %s", err, body)
	}
	if err := json.Unmarshal(body, &placed); err != nil || placed.ID == 0 {
		t.Fatalf("POST /api/orders answered %s (%v)", body, err)
	}
	var got order
	err = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		body, err := webGet(ctx, cs, fmt.Sprintf("/api/orders/%d", placed.ID))
		if err != nil {
			return false, nil
		}
		return json.Unmarshal(body, &got) == nil && got.ProcessedBy != "", nil
	})
	if err != nil {
		t.Fatalf("order %d not processed by the worker: %v (last: %+v)", placed.ID, err, got)
	}
	if got.Item != "teapot" || got.Quantity != 2 || !strings.HasPrefix(got.ProcessedBy, "worker-") {
		t.Errorf("order = %+v, want teapot x2 processed by a worker pod", got)
	}
	t.Logf("order %d processed by %s", got.ID, got.ProcessedBy)
}

// checkRestart restarts db with `berth restart` (its pod is replaced) and reads the order again: it lives on the
// PersistentVolumeClaim of the Compose volume db-data.
func checkRestart(ctx context.Context, t *testing.T, cs kubernetes.Interface, berth, kubeconfig, out string) {
	old := dbPodUID(ctx, t, cs)
	start := time.Now()
	run(t, berth, "restart", "db", "--from", out, "--kubeconfig", kubeconfig, "--wait", "--timeout", "3m")
	t.Logf("berth restart db --wait finished in %s", since(start))
	var got order
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		if uid := dbPodUID(ctx, t, cs); uid == "" || uid == old {
			return false, nil
		}
		body, err := webGet(ctx, cs, fmt.Sprintf("/api/orders/%d", placed.ID))
		return err == nil && json.Unmarshal(body, &got) == nil && got.ID == placed.ID, nil
	})
	if err != nil {
		t.Fatalf("after restarting db, order %d not readable: %v", placed.ID, err)
	}
	if got.Item != placed.Item {
		t.Errorf("after restart: %+v, want %+v", got, placed)
	}
}

func dbPodUID(ctx context.Context, t *testing.T, cs kubernetes.Interface) types.UID {
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "db-0", metav1.GetOptions{})
	if err != nil || !podReady(p) {
		return ""
	}
	return p.UID
}

// dumpPods logs every pod's containers (state, last lines of logs) in ns: what a reader of a
// failed run needs first.
func dumpPods(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Logf("listing pods: %v", err)
		return
	}
	tail := int64(8)
	for _, p := range pods.Items {
		t.Logf("pod %s: %s", p.Name, p.Status.Phase)
		for _, group := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
			for _, s := range group {
				t.Logf("  %s ready=%v restarts=%d state=%s", s.Name, s.Ready, s.RestartCount, stateString(s.State))
				if s.State.Waiting != nil && s.RestartCount == 0 {
					continue
				}
				logs, _ := cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: s.Name, TailLines: &tail}).DoRaw(ctx)
				for _, l := range strings.Split(strings.TrimSpace(string(logs)), "\n") {
					t.Logf("    | %s", l)
				}
			}
		}
	}
	events, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "type=Warning"})
	if err == nil {
		for _, e := range events.Items {
			t.Logf("event %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
}

func stateString(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running since " + s.Running.StartedAt.Format("15:04:05")
	case s.Terminated != nil:
		return fmt.Sprintf("terminated %s (exit %d) %s", s.Terminated.Reason, s.Terminated.ExitCode, s.Terminated.Message)
	case s.Waiting != nil:
		return "waiting " + s.Waiting.Reason + " " + s.Waiting.Message
	}
	return "unknown"
}
