package transfer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/pkg/data"
	"github.com/berth-dev/berth/pkg/transfer"
	"github.com/berth-dev/berth/test/cluster"
)

// kube is the real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok:
// pods run on fake nodes, so nothing can be exec'd; the copy itself is tested on a real node,
// test/realnode TestData). These tests cover what happens before a copy starts.
var kube = cluster.NewShared(cluster.Options{})

func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }

func setup(t *testing.T, ns string) (*transfer.Client, kubernetes.Interface) {
	t.Helper()
	kc := kube.Get(t)
	cs, err := kc.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := transfer.New(kc.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c, cs
}

func claim(name, class string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(class),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

func TestPushRefuses(t *testing.T) {
	ctx := context.Background()
	c, cs := setup(t, "push-refuses")
	base := transfer.PushOptions{Namespace: "push-refuses", Image: data.HelperImage, Source: strings.NewReader(""), Timeout: 3 * time.Second}

	t.Run("unknown claim", func(t *testing.T) {
		o := base
		o.Claim = "nope"
		_, err := c.Push(ctx, o)
		if err == nil || !strings.Contains(err.Error(), "claim nope not found in namespace push-refuses") {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("a StatefulSet claim is created from its template, then it does not bind", func(t *testing.T) {
		o := base
		o.Claim = "data-db-0"
		o.Template = claim("data", "no-such-class")
		o.Template.Labels = map[string]string{"app.kubernetes.io/name": "db"}
		res, err := c.Push(ctx, o)
		if !res.Created {
			t.Error("the missing claim was not created from the template")
		}
		if err == nil || !strings.Contains(err.Error(), "claim data-db-0 is not bound (phase Pending") {
			t.Errorf("err = %v", err)
		}
		got, gerr := cs.CoreV1().PersistentVolumeClaims("push-refuses").Get(ctx, "data-db-0", metav1.GetOptions{})
		if gerr != nil || got.Labels["app.kubernetes.io/name"] != "db" {
			t.Errorf("created claim: %v, labels %v", gerr, got.Labels)
		}
		pods, _ := cs.CoreV1().Pods("push-refuses").List(ctx, metav1.ListOptions{LabelSelector: "berth.dev/data-push"})
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				t.Errorf("helper pod %s left behind", p.Name)
			}
		}
	})

	t.Run("a claim running pods mount", func(t *testing.T) {
		if _, err := cs.CoreV1().PersistentVolumeClaims("push-refuses").Create(ctx, claim("uploads", "no-such-class"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		user := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1"}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "web", Image: "example/web"}},
			Volumes: []corev1.Volume{{Name: "u", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "uploads"}}}},
		}}
		if _, err := cs.CoreV1().Pods("push-refuses").Create(ctx, user, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		o := base
		o.Claim, o.Workloads = "uploads", []string{"deployment/web"}
		_, err := c.Push(ctx, o)
		if err == nil || !strings.Contains(err.Error(), "claim uploads is in use by running pods (pod/web-1)") || !strings.Contains(err.Error(), "--scale-down to scale deployment/web to 0") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestRestoreRefusesTheWrongDump(t *testing.T) {
	c, _ := setup(t, "restore-refuses")
	for _, tc := range []struct {
		engine data.Engine
		dump   string
		want   string
	}{
		{data.Postgres, "REDIS0011\xfa\x09redis-ver", "x.rdb is a Redis RDB file, not a dump PostgreSQL: pg_dump / pg_restore reads"},
		{data.Redis, "PGDMP\x01\x0e\x00", "x.rdb is a PostgreSQL custom-format dump (pg_dump -Fc), not a dump Redis"},
		{data.MySQL, "not a dump at all", "x.rdb is no dump berth knows"},
		{data.Postgres, gzipped("REDIS0011\xfa\x09redis-ver"), "x.rdb is a gzip-compressed Redis RDB file, not a dump PostgreSQL"},
		{data.MySQL, gzipped("not a dump at all"), "x.rdb is a gzip-compressed file that holds no dump berth knows"},
		{data.Redis, "\x1f\x8b\x08 truncated", "x.rdb: not a readable gzip file"},
	} {
		err := c.Restore(context.Background(), transfer.RestoreOptions{Namespace: "restore-refuses", Name: "x.rdb",
			Store: data.Store{Service: "s", Engine: tc.engine, Workload: "statefulset/s"}, Dump: bytes.NewReader([]byte(tc.dump)), Timeout: time.Second})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was restored") {
			t.Errorf("%s from %q: err = %v, want %q", tc.engine, tc.dump, err, tc.want)
		}
	}
	err := c.Restore(context.Background(), transfer.RestoreOptions{Namespace: "restore-refuses", Name: "db.dump",
		Store: data.Store{Service: "db", Engine: data.Postgres, Workload: "statefulset/db"}, Dump: strings.NewReader("PGDMP\x01"), Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "apply the data tier first") {
		t.Errorf("restore into a store that is not applied: %v", err)
	}
}

func TestRunningServices(t *testing.T) {
	ctx := context.Background()
	c, cs := setup(t, "running")
	for _, svc := range []string{"db", "web", "web", "worker"} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: svc + "-", Labels: map[string]string{"app.kubernetes.io/name": svc}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example/" + svc}}}}
		if _, err := cs.CoreV1().Pods("running").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if got, err = c.RunningServices(ctx, "running", "db"); err != nil {
			t.Fatal(err)
		}
		if len(got) == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Join(got, ",") != "web,worker" {
		t.Errorf("running services but db = %v, want web, worker", got)
	}
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}
