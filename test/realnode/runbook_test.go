package realnode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/plan"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

const shopOld = "shop-old" // where the "Compose side" of examples/shop runs

// TestShopRunbook executes, step by step, the runbook `berth plan` writes for examples/shop.
// The Compose side is the same app applied in namespace shop-old (no Docker here): every
// `docker compose ... stop|start|exec` line of the runbook runs as the matching kubectl
// command against it, every other line (berth, kubectl) runs as written. An order placed on
// the old side before the switch must be served, processed, by the new side after it; then
// the runbook's undo of the last step (berth down, start the old side again) runs and the old
// side serves the order again, untouched.
func TestShopRunbook(t *testing.T) {
	ctx := context.Background()
	s := startShopNode(ctx, t)
	root, berth, n, cs := s.root, s.berth, s.n, s.cs
	compose := filepath.Join(root, "examples", "shop", "compose.yaml")
	r := &runbook{t: t, berth: berth, kubectl: s.kubectl, kubeconfig: n.Kubeconfig, dir: t.TempDir(), replicas: map[string]string{}}

	if out, err := runBerth(berth, "apply", "-f", compose, "-n", shopOld, "--kubeconfig", n.Kubeconfig, "--wait", "--timeout", applyTimeout()); err != nil {
		t.Fatalf("old side: %v\n%s", err, out)
	}
	id := placeOrder(ctx, t, cs, shopOld)

	md := run(t, berth, "plan", "-f", compose)
	start := time.Now()
	for _, line := range plan.Commands(md) {
		r.exec(line)
	}
	t.Logf("runbook executed in %s", since(start))
	if got := getOrder(ctx, t, cs, "shop", id); got.Item != "teapot" || got.ProcessedBy == "" {
		t.Errorf("after the switch the new side serves order %d as %+v, want the old side's teapot, processed", id, got)
	}

	// the undo of the step that started the app tier: berth down, start the old side
	undo := regexp.MustCompile("(?m)^## \\d+\\. Start the app tier\\n(?s:.*?)\\nUndo: `([^`]+)`, then `([^`]+)`")
	m := undo.FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no undo for the app tier step in the runbook:\n%s", md)
	}
	r.exec(m[1])
	r.exec(m[2])
	if got := getOrder(ctx, t, cs, shopOld, id); got.Item != "teapot" {
		t.Errorf("after the rollback the old side serves order %d as %+v", id, got)
	}
	if _, err := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{}); err == nil {
		t.Error("berth down left Deployment shop/web")
	}
}

type runbook struct {
	t                               *testing.T
	berth, kubectl, kubeconfig, dir string
	replicas                        map[string]string // kind/name on the old side → replicas before stop
}

var (
	composeStop  = regexp.MustCompile(`^docker compose -p shop -f \S+ stop (.+)$`)
	composeStart = regexp.MustCompile(`^docker compose -p shop -f \S+ start$`)
	composeExec  = regexp.MustCompile(`^docker compose -p shop -f \S+ exec -T (\S+) (.*)$`)
)

// exec runs one runbook line.
func (r *runbook) exec(line string) {
	r.t.Helper()
	line = strings.TrimSpace(line)
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
	case composeStop.MatchString(line):
		for _, svc := range strings.Fields(composeStop.FindStringSubmatch(line)[1]) {
			r.stop(svc)
		}
	case composeStart.MatchString(line):
		for wl, n := range r.replicas {
			r.kubectlOK("-n", shopOld, "scale", wl, "--replicas="+n)
		}
		for wl := range r.replicas {
			r.kubectlOK("-n", shopOld, "rollout", "status", wl, "--timeout=180s")
		}
	case composeExec.MatchString(line):
		m := composeExec.FindStringSubmatch(line)
		r.sh(fmt.Sprintf("%s --kubeconfig %s -n %s exec -i statefulset/%s -c %s -- %s", r.kubectl, r.kubeconfig, shopOld, m[1], m[1], m[2]))
	case strings.HasPrefix(line, "berth "):
		cmd, comment, _ := strings.Cut(line, "#")
		_ = comment
		r.sh(r.berth + strings.TrimPrefix(strings.TrimSpace(cmd), "berth") + " --kubeconfig " + r.kubeconfig)
	case strings.HasPrefix(line, "kubectl "):
		r.sh(r.kubectl + " --kubeconfig " + r.kubeconfig + strings.TrimPrefix(line, "kubectl"))
	default:
		r.t.Fatalf("runbook line the test cannot run: %q", line)
	}
}

// stop scales a service of the old side to 0 (a Job, such as migrate, has nothing to stop).
func (r *runbook) stop(svc string) {
	for _, kind := range []string{"deployment", "statefulset"} {
		out, err := r.kubectl1("-n", shopOld, "get", kind, svc, "-o", "jsonpath={.spec.replicas}")
		if err != nil {
			continue
		}
		r.replicas[kind+"/"+svc] = out
		r.kubectlOK("-n", shopOld, "scale", kind+"/"+svc, "--replicas=0")
		r.kubectlOK("-n", shopOld, "wait", "--for=delete", "pod", "-l", "app.kubernetes.io/name="+svc, "--timeout=180s")
		return
	}
}

func (r *runbook) sh(line string) {
	r.t.Helper()
	start := time.Now()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "KUBECONFIG=/nonexistent", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s: %v\n%s", line, err, out)
	}
	r.t.Logf("ran (%s): %s", since(start), line)
}

func (r *runbook) kubectl1(args ...string) (string, error) {
	out, err := exec.Command(r.kubectl, append([]string{"--kubeconfig", r.kubeconfig}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (r *runbook) kubectlOK(args ...string) {
	r.t.Helper()
	if out, err := r.kubectl1(args...); err != nil {
		r.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// placeOrder places an order through web in namespace and waits until the worker has
// processed it.
func placeOrder(ctx context.Context, t *testing.T, cs kubernetes.Interface, namespace string) int64 {
	t.Helper()
	body, err := cs.CoreV1().RESTClient().Post().Namespace(namespace).Resource("services").Name("http:web:80").
		SubResource("proxy").Suffix("api/orders").SetHeader("Content-Type", "application/x-www-form-urlencoded").
		Body([]byte(url.Values{"item": {"teapot"}, "quantity": {"2"}}.Encode())).DoRaw(ctx)
	if err != nil {
		t.Fatalf("POST /api/orders in %s: %v: %s", namespace, err, body)
	}
	var o order
	if err := json.Unmarshal(body, &o); err != nil || o.ID == 0 {
		t.Fatalf("POST /api/orders answered %s (%v)", body, err)
	}
	if got := getOrder(ctx, t, cs, namespace, o.ID); got.ProcessedBy == "" {
		t.Fatalf("order %d not processed on %s", o.ID, namespace)
	}
	return o.ID
}

// getOrder reads an order through web, waiting up to 3 minutes for it to be processed.
func getOrder(ctx context.Context, t *testing.T, cs kubernetes.Interface, namespace string, id int64) order {
	t.Helper()
	var got order
	wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		body, err := cs.CoreV1().Services(namespace).ProxyGet("http", "web", "80", fmt.Sprintf("/api/orders/%d", id), nil).DoRaw(ctx)
		return err == nil && json.Unmarshal(body, &got) == nil && got.ProcessedBy != "", nil
	})
	return got
}
