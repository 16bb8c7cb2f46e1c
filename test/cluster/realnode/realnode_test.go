package realnode_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/test/cluster/realnode"
)

// TestSmoke builds an image from Go source without Docker, serves it from the node's
// registry under a Docker Hub name, runs it as a Deployment with an HTTP readiness probe and
// reaches it through its Service with the API server's service proxy.
func TestSmoke(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	n := realnode.ForTest(t, realnode.Options{})
	t.Logf("real node up in %s", time.Since(start).Round(10*time.Millisecond))
	for _, tm := range n.Timings {
		t.Logf("  %-20s %s", tm.Step, tm.Elapsed.Round(time.Millisecond))
	}

	img, err := realnode.GoImage(ctx, "", "./testdata/hello", "hello", realnode.ImageConfig{Env: []string{"PORT=8080"}})
	if err != nil {
		t.Fatal(err)
	}
	// a Docker Hub name with an implicit :latest: containerd pulls it from the node's registry
	if err := n.Push(ctx, "example/hello", img); err != nil {
		t.Fatal(err)
	}
	cs, err := n.Client()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "hello"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "hello",
					Image: "example/hello",
					Env: []corev1.EnvVar{{Name: "MESSAGE", Value: "realnode"},
						// the kubelet's $(VAR) expansion, which berth's escaping (pkg/convert
						// escapeExpansion, checked there against 1.33's and 1.37's code) relies
						// on: "$$" is one "$" and keeps the bytes after it; a "$" before a
						// non-ASCII character keeps it since 1.34 (1.33 re-encoded its first byte).
						{Name: "DOLLAR_RAW", Value: "price $€"}, {Name: "DOLLAR_ESCAPED", Value: "price $$€"}},
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
						PeriodSeconds: 1,
					},
				}}},
			},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	applied := time.Now()
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, "hello", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 1, nil
	})
	if err != nil {
		t.Fatalf("deployment hello not available: %v\n%s", err, podReport(ctx, t, n))
	}
	t.Logf("deployment available %s after create", time.Since(applied).Round(10*time.Millisecond))

	body, err := realnode.ServiceGet(ctx, cs, "default", "hello", "http", "/", nil)
	if err != nil {
		t.Fatalf("service proxy: %v", err)
	}
	if got := string(body); !strings.HasPrefix(got, "hello realnode from hello-") {
		t.Errorf("service proxy answered %q, want hello realnode from hello-...", got)
	}
	for name, want := range map[string]string{"DOLLAR_RAW": "price $€", "DOLLAR_ESCAPED": "price $€"} {
		body, err := realnode.ServiceGet(ctx, cs, "default", "hello", "http", "/env/"+name, nil)
		if err != nil || string(body) != want {
			t.Errorf("%s in the container = %q, %v; want %q", name, body, err, want)
		}
	}
	checkStopLeavesNothing(t, n)
}

// checkStopLeavesNothing stops n and looks for anything left: a process in the node's network
// namespace (containers, shims), its cgroups, its run directory.
func checkStopLeavesNothing(t *testing.T, n *realnode.Node) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", n.HolderPID))
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile(filepath.Join(n.Dir, "cgroup-root"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := n.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(start).Round(10*time.Millisecond))
	procs, _ := filepath.Glob("/proc/[0-9]*/ns/net")
	for _, p := range procs {
		if cur, err := os.Readlink(p); err == nil && cur == ns {
			exe, _ := os.Readlink(filepath.Join(filepath.Dir(filepath.Dir(p)), "exe"))
			t.Errorf("%s (%s) is still in the node's network namespace", filepath.Dir(filepath.Dir(p)), exe)
		}
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*" + strings.TrimSpace(string(root))); len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
	if _, err := os.Stat(n.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory %s left (%v)", n.Dir, err)
	}
}

func podReport(ctx context.Context, t *testing.T, n *realnode.Node) string {
	cs, err := n.Client()
	if err != nil {
		return err.Error()
	}
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "pod %s/%s %s\n", p.Namespace, p.Name, p.Status.Phase)
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, "  %s ready=%v state=%+v\n", s.Name, s.Ready, s.State)
		}
	}
	return b.String()
}
