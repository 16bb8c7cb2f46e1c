package realnode_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/berth-dev/berth/test/cluster/realnode"
	corev1 "k8s.io/api/core/v1"
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
	r := newRunbook(t, s, shopOld)

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

	r.undoAppTier(md)
	if got := getOrder(ctx, t, cs, shopOld, id); got.Item != "teapot" {
		t.Errorf("after the rollback the old side serves order %d as %+v", id, got)
	}
	if _, err := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{}); err == nil {
		t.Error("berth down left Deployment shop/web")
	}
	t.Run("ECS tasks", func(t *testing.T) { ecsRunbook(ctx, t, s) })
}

// runbook runs the lines of a runbook berth plan wrote. The old side (Compose or ECS) is the
// same app applied in namespace old; what the runbook says to do there runs as the matching
// kubectl command against it:
//   - docker compose stop SVC..., aws ecs update-service ... <the old SVC service>
//     --desired-count 0: scale SVC's workload to 0 (its replicas are kept);
//   - docker compose start, "scale the old ECS services back up": scale them back;
//   - docker compose exec -T SVC CMD, <exec into the old SVC task> CMD: kubectl exec -i
//     into SVC's workload;
//   - <in a one-off task of the old SVC task definition, image IMAGE> CMD: kubectl exec into
//     a pod made from SVC's pod template with IMAGE running sleep (the same volumes and
//     mounts), deleted after.
//
// Every other line (berth, kubectl) runs as written, with the test's kubeconfig.
type runbook struct {
	t                               *testing.T
	berth, kubectl, kubeconfig, dir string
	old                             string // namespace of the old side
	cs                              kubernetes.Interface
	replicas                        map[string]string // kind/name on the old side → replicas before stop
}

func newRunbook(t *testing.T, s *shopNode, old string) *runbook {
	return &runbook{t: t, berth: s.berth, kubectl: s.kubectl, kubeconfig: s.n.Kubeconfig, dir: t.TempDir(), old: old, cs: s.cs, replicas: map[string]string{}}
}

var (
	composeStop  = regexp.MustCompile(`^docker compose -p \S+ -f \S+ stop (.+)$`)
	composeStart = regexp.MustCompile(`^docker compose -p \S+ -f \S+ start$`)
	composeExec  = regexp.MustCompile(`^docker compose -p \S+ -f \S+ exec -T (\S+) (.*)$`)
	ecsStop      = regexp.MustCompile(`^aws ecs update-service --cluster <cluster> --service <the old (\S+) service> --desired-count 0$`)
	ecsExec      = regexp.MustCompile(`^<exec into the old (\S+) task> (.*)$`)
	ecsOneOff    = regexp.MustCompile(`^<in a one-off task of the old (\S+) task definition, image (\S+)> (.*)$`)
)

// exec runs one runbook line.
func (r *runbook) exec(line string) {
	r.t.Helper()
	line = strings.Trim(strings.TrimSpace(line), "`")
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
	case composeStop.MatchString(line):
		for _, svc := range strings.Fields(composeStop.FindStringSubmatch(line)[1]) {
			r.stop(svc)
		}
	case ecsStop.MatchString(line):
		r.stop(ecsStop.FindStringSubmatch(line)[1])
	case composeStart.MatchString(line) || line == "scale the old ECS services back up":
		for wl, n := range r.replicas {
			r.kubectlOK("-n", r.old, "scale", wl, "--replicas="+n)
		}
		for wl := range r.replicas {
			r.kubectlOK("-n", r.old, "rollout", "status", wl, "--timeout=180s")
		}
	case composeExec.MatchString(line):
		m := composeExec.FindStringSubmatch(line)
		r.sh(fmt.Sprintf("%s --kubeconfig %s -n %s exec -i %s -c %s -- %s", r.kubectl, r.kubeconfig, r.old, r.workload(m[1]), m[1], m[2]))
	case ecsExec.MatchString(line):
		m := ecsExec.FindStringSubmatch(line)
		r.sh(fmt.Sprintf("%s --kubeconfig %s -n %s exec -i %s -- %s", r.kubectl, r.kubeconfig, r.old, r.workload(m[1]), m[2]))
	case ecsOneOff.MatchString(line):
		m := ecsOneOff.FindStringSubmatch(line)
		pod := r.oneOff(r.old, m[1], m[2])
		r.sh(fmt.Sprintf("%s --kubeconfig %s -n %s exec -i %s -- %s", r.kubectl, r.kubeconfig, r.old, pod, m[3]))
		r.kubectlOK("-n", r.old, "delete", "pod", pod, "--wait=true")
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

// undoAppTier runs the undo of the runbook's step that started the app tier: berth down,
// then start the old side.
func (r *runbook) undoAppTier(md string) {
	r.t.Helper()
	undo := regexp.MustCompile("(?m)^## \\d+\\. Start the app tier\\n(?s:.*?)\\nUndo: `([^`]+)`, then (`[^`]+`|[^:`]+):")
	m := undo.FindStringSubmatch(md)
	if m == nil {
		r.t.Fatalf("no undo for the app tier step in the runbook:\n%s", md)
	}
	r.exec(m[1])
	r.exec(m[2])
}

// workload is kind/name of svc's long-running workload on the old side.
func (r *runbook) workload(svc string) string {
	r.t.Helper()
	for _, kind := range []string{"statefulset", "deployment"} {
		if _, err := r.kubectl1("-n", r.old, "get", kind, svc); err == nil {
			return kind + "/" + svc
		}
	}
	r.t.Fatalf("no workload %s in %s", svc, r.old)
	return ""
}

// stop scales a service of the old side to 0 (a Job, such as migrate, has nothing to stop).
func (r *runbook) stop(svc string) {
	for _, kind := range []string{"deployment", "statefulset"} {
		out, err := r.kubectl1("-n", r.old, "get", kind, svc, "-o", "jsonpath={.spec.replicas}")
		if err != nil {
			continue
		}
		r.replicas[kind+"/"+svc] = out
		r.kubectlOK("-n", r.old, "scale", kind+"/"+svc, "--replicas=0")
		r.kubectlOK("-n", r.old, "wait", "--for=delete", "pod", "-l", "app.kubernetes.io/name="+svc, "--timeout=180s")
		return
	}
}

// oneOff starts, in namespace, a pod made from the pod template of svc's workload: its
// volumes (a StatefulSet's claims of pod 0 included) at the same mounts, its main container
// running image with sleep, no init containers or probes; it returns the pod's name once
// the pod runs. The pod carries the label berth data push gives its helpers, so it counts as
// no user of the claims.
func (r *runbook) oneOff(namespace, svc, image string) string {
	r.t.Helper()
	ctx := context.Background()
	var spec corev1.PodSpec
	if d, err := r.cs.AppsV1().Deployments(namespace).Get(ctx, svc, metav1.GetOptions{}); err == nil {
		spec = *d.Spec.Template.Spec.DeepCopy()
	} else if st, err := r.cs.AppsV1().StatefulSets(namespace).Get(ctx, svc, metav1.GetOptions{}); err == nil {
		spec = *st.Spec.Template.Spec.DeepCopy()
		for _, ct := range st.Spec.VolumeClaimTemplates {
			spec.Volumes = append(spec.Volumes, corev1.Volume{Name: ct.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: ct.Name + "-" + svc + "-0"}}})
		}
	} else {
		r.t.Fatalf("no Deployment or StatefulSet %s/%s", namespace, svc)
	}
	c := spec.Containers[0]
	c.Image, c.Command, c.Args = image, []string{"sleep", "3600"}, nil
	c.ReadinessProbe, c.LivenessProbe, c.StartupProbe, c.Lifecycle = nil, nil, nil, nil
	spec.Containers, spec.InitContainers = []corev1.Container{c}, nil
	spec.RestartPolicy = corev1.RestartPolicyNever
	grace := int64(0)
	spec.TerminationGracePeriodSeconds = &grace
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: svc + "-one-off-", Namespace: namespace,
		Labels: map[string]string{"berth.dev/data-push": "runbook-one-off"}}, Spec: spec}
	pod, err := r.cs.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		r.t.Fatalf("one-off pod of %s/%s: %v", namespace, svc, err)
	}
	r.kubectlOK("-n", namespace, "wait", "--for=condition=Ready", "pod/"+pod.Name, "--timeout=180s")
	return pod.Name
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

const ecsOld, ecsNew = "ecs-data-old", "ecs-data" // the ECS side of testdata/ecs-data, and the converted app

// ecsRunbook executes the runbook berth plan writes for testdata/ecs-data, two ECS task
// definitions: cache, an append-only Redis with a password in a shared volume; notes,
// ecs-app serving Redis keys and the files of its shared volume. The ECS side is the same
// tasks applied in namespace ecs-data-old, filled with keys and a tree of 10 000 files
// (symbolic and hard links, odd modes and owners) by berth data push. After the runbook the
// converted notes serves the keys and files, and the claim's listing (paths, modes, owners,
// sizes, times and link counts of files, checksums, link targets) is the source tree's; after
// the undo of the app tier step the old side serves them again, its listing unchanged.
func ecsRunbook(ctx context.Context, t *testing.T, s *shopNode) {
	start := time.Now()
	pushECSApp(ctx, t, s.n)
	dir := filepath.Join(s.root, "test", "realnode", "testdata", "ecs-data")
	files := []string{"-f", filepath.Join(dir, "cache.json"), "-f", filepath.Join(dir, "notes.json")}
	berth := func(args ...string) string {
		return run(t, s.berth, append(append(args, files...), "--kubeconfig", s.n.Kubeconfig)...)
	}
	r := newRunbook(t, s, ecsOld)
	berth("apply", "-n", ecsOld, "--wait", "--timeout", applyTimeout())
	r.kubectlOK("-n", ecsOld, "exec", "statefulset/cache", "--", "sh", "-c",
		`export REDISCLI_AUTH="$REDIS_PASSWORD"; redis-cli SET order:1 paid >/dev/null && redis-cli SET greeting 'moved from ECS' >/dev/null`)
	tree := filepath.Join(t.TempDir(), "tree")
	makeTree(t, tree, 10000, 2)
	want := treeListing(t, tree)
	berth("data", "push", "notes-uploads", "--from", tree, "-n", ecsOld, "--scale-down")
	r.sameListing(ecsOld, "notes", "the ECS side, filled", want)
	t.Logf("ECS side applied and filled in %s", since(start))

	md := run(t, s.berth, append([]string{"plan"}, files...)...)
	start = time.Now()
	for _, line := range plan.Commands(md) {
		r.exec(line)
	}
	t.Logf("ECS runbook executed in %s", since(start))
	serves := func(namespace string) {
		t.Helper()
		for path, want := range map[string]string{
			"/redis/order:1":     "paid",
			"/redis/greeting":    "moved from ECS",
			"/files/big/1.bin":   fileSum(t, filepath.Join(tree, "big", "1.bin")),
			"/files/private/key": "secret",
		} {
			body, err := realnode.ServiceGet(ctx, s.cs, namespace, "notes", "http", path, nil)
			got := string(body)
			if strings.HasPrefix(path, "/files/big/") {
				sum := sha256.Sum256(body)
				got = hex.EncodeToString(sum[:])
			}
			if err != nil || got != want {
				t.Errorf("notes in %s: GET %s = %.80q, %v; want %q", namespace, path, got, err, want)
			}
		}
	}
	serves(ecsNew)
	r.sameListing(ecsNew, "notes", "the converted app's claim after the runbook", want)

	r.undoAppTier(md)
	serves(ecsOld)
	r.sameListing(ecsOld, "notes", "the ECS side after the rollback", want)
	if _, err := s.cs.AppsV1().Deployments(ecsNew).Get(ctx, "notes", metav1.GetOptions{}); err == nil {
		t.Error("berth down left Deployment ecs-data/notes")
	}
}

// listingScript lists the tree under the current directory, one sorted line per entry: path,
// raw mode, owner, size, time and link count of regular files, path, mode and owner of the
// others (directory times change as they are filled; symbolic link times are not kept), the
// SHA-256 of every file and the target of every symbolic link. GNU and busybox tools print
// it alike.
const listingScript = `{ find . -mindepth 1 -type f -exec stat -c '%n %f %u:%g %s %Y %h' {} +
find . -mindepth 1 ! -type f -exec stat -c '%n %f %u:%g' {} +
find . -type f -exec sha256sum {} +
find . -type l -exec sh -c 'for l; do echo "$l -> $(readlink "$l")"; done' sh {} +
} | LC_ALL=C sort`

// treeListing is listingScript's output for dir on this machine.
func treeListing(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", listingScript)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return string(out)
}

// sameListing fails the test when the listing of the volume svc mounts at /srv/uploads in
// namespace, taken in a one-off pod of svc's template, is not want.
func (r *runbook) sameListing(namespace, svc, what, want string) {
	r.t.Helper()
	pod := r.oneOff(namespace, svc, "busybox:1.36")
	got, err := r.kubectl1("-n", namespace, "exec", pod, "--", "sh", "-c", "cd /srv/uploads && "+listingScript)
	r.kubectlOK("-n", namespace, "delete", "pod", pod, "--wait=true")
	if err != nil {
		r.t.Fatalf("listing in %s: %v\n%s", pod, err, lastLines(got, 5))
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(strings.TrimSpace(want), "\n")
	for i := range max(len(gl), len(wl)) {
		g, w := "", ""
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			r.t.Errorf("%s: the listing differs from the source tree's at line %d of %d: %q, want %q", what, i+1, len(wl), g, w)
			return
		}
	}
	r.t.Logf("%s: %d listing lines equal to the source tree's", what, len(wl))
}
