package cluster_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/test/cluster"
)

var kube = cluster.NewShared(cluster.Options{})

func TestMain(m *testing.M) {
	if os.Getenv(fakeComponentEnv) != "" {
		os.Exit(fakeComponent(os.Args[1:]))
	}
	os.Exit(kube.Run(m))
}

// The constants the Go side checks stamps against must be the versions the tools modules pin.
func TestVersionsMatchToolsModules(t *testing.T) {
	for _, tc := range []struct{ dir, module, want string }{
		{"kube", "k8s.io/kubernetes", cluster.KubernetesVersion},
		{"etcd", "go.etcd.io/etcd/server/v3", cluster.EtcdVersion},
		{"kwok", "sigs.k8s.io/kwok", cluster.KwokVersion},
	} {
		got := requiredVersion(t, filepath.Join("tools", tc.dir, "go.mod"), tc.module)
		if got != tc.want {
			t.Errorf("tools/%s/go.mod requires %s %s, want %s (update the constant in binaries.go)", tc.dir, tc.module, got, tc.want)
		}
	}
}

func requiredVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	f, err := os.Open(gomod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1]
		}
	}
	t.Fatalf("%s does not require %s", gomod, module)
	return ""
}

func TestFullClusterRunsWorkloads(t *testing.T) {
	c := kube.Get(t)
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range c.Timings {
		t.Logf("start-up: %-55s %v", tm.Step, tm.Elapsed.Round(time.Millisecond))
	}
	ctx := context.Background()
	ns := createNamespace(t, cs, "workloads")

	t.Run("DeploymentAvailable", func(t *testing.T) {
		labels := map[string]string{"app": "web"}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
				},
			},
		}
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "deployment web Available with 2 ready replicas", func(ctx context.Context) (bool, error) {
			got, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, cond := range got.Status.Conditions {
				if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue {
					return got.Status.ReadyReplicas == 2, nil
				}
			}
			return false, nil
		})
	})

	t.Run("PVCBinds", func(t *testing.T) {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: ns},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
				},
			},
		}
		if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "PVC data Bound", func(ctx context.Context) (bool, error) {
			got, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return got.Status.Phase == corev1.ClaimBound, nil
		})
	})

	t.Run("JobCompletes", func(t *testing.T) {
		j := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: ns},
			Spec: batchv1.JobSpec{
				Template: corev1.PodTemplateSpec{
					Spec: corev1.PodSpec{
						RestartPolicy: corev1.RestartPolicyNever,
						Containers:    []corev1.Container{{Name: "migrate", Image: "busybox:1.36", Command: []string{"true"}}},
					},
				},
			},
		}
		if _, err := cs.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "job migrate Complete", func(ctx context.Context) (bool, error) {
			got, err := cs.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, cond := range got.Status.Conditions {
				if cond.Type == batchv1.JobComplete && cond.Status == corev1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
	})

	t.Run("RestartAPIServer", func(t *testing.T) {
		before := c.PIDs()["kube-apiserver"]
		if err := c.RestartAPIServer(ctx); err != nil {
			t.Fatal(err)
		}
		after := c.PIDs()["kube-apiserver"]
		if before == 0 || after == 0 || before == after {
			t.Fatalf("kube-apiserver pid before %d, after %d: want two different running processes", before, after)
		}
		if pidAlive(before) {
			t.Errorf("old kube-apiserver pid %d still running", before)
		}
		// the same client keeps working and the data survived
		if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	})
}

// Two clusters at once, each stopped with nothing left behind.
func TestConcurrentClustersStopCleanly(t *testing.T) {
	cluster.RequireBinaries(t)
	var wg sync.WaitGroup
	clusters := make([]*cluster.Cluster, 2)
	errs := make([]error, 2)
	for i := range clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clusters[i], errs[i] = cluster.Start(context.Background(), cluster.Options{Mode: cluster.APIServerOnly, Logf: t.Logf})
		}()
	}
	wg.Wait()
	for i, c := range clusters {
		if c != nil {
			defer c.Stop()
		}
		if errs[i] != nil {
			t.Fatalf("cluster %d: %v", i, errs[i])
		}
	}
	if clusters[0].URL == clusters[1].URL {
		t.Fatalf("both clusters at %s", clusters[0].URL)
	}
	for i, c := range clusters {
		cs, err := c.Client()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Discovery().ServerVersion(); err != nil {
			t.Fatalf("cluster %d: %v", i, err)
		}
		// both credentials authenticate as admins
		for auth, cfg := range map[string]*rest.Config{"token": c.Config, "client certificate": c.CertConfig()} {
			acs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			review, err := acs.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("cluster %d, %s: %v", i, auth, err)
			}
			if u := review.Status.UserInfo; u.Username != "berth-test-admin" || !slices.Contains(u.Groups, "system:masters") {
				t.Errorf("cluster %d, %s: authenticated as %+v, want berth-test-admin in system:masters", i, auth, u)
			}
		}
		pids := c.PIDs()
		if len(pids) != 2 {
			t.Fatalf("cluster %d runs %v, want etcd and kube-apiserver", i, pids)
		}
		if err := c.Stop(); err != nil {
			t.Fatalf("cluster %d: stop: %v", i, err)
		}
		for name, pid := range pids {
			if pidAlive(pid) {
				t.Errorf("cluster %d: %s (pid %d) still running after Stop", i, name, pid)
			}
		}
		if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
			t.Errorf("cluster %d: run dir %s still exists after Stop (err %v)", i, c.Dir, err)
		}
		if err := c.Stop(); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	}
}

func createNamespace(t *testing.T, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func waitUntil(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// pidAlive reports whether pid exists as a live (non-zombie) process.
func pidAlive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && !strings.HasPrefix(s[i+1:], " Z")
}
