package release_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/test/cluster"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	hrelease "helm.sh/helm/v4/pkg/release/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
)

// kube is the real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok:
// pods run) shared by this package's tests; each test works in its own namespace.
var kube = cluster.NewShared(cluster.Options{PVs: 20})

func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }

// app is a Compose project with a Deployment (web, 2 replicas), a StatefulSet with a claim
// template (db) and a Deployment with a standalone PersistentVolumeClaim (files).
const app = `name: relapp
services:
  web:
    image: nginx:TAG
    deploy:
      replicas: 2
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: app
    volumes:
      - pgdata:/var/lib/postgresql/data
  files:
    image: example/files:1.0
    volumes:
      - uploads:/srv/uploads
volumes:
  pgdata: {}
  uploads: {}
`

// chartOf converts app with web's image tag and namespace ns and renders berth's chart.
func chartOf(t *testing.T, ns, tag string) *chart.Chart {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(app, "TAG", tag, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	model, err := compose.Load(context.Background(), compose.Options{Files: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(model, convert.Options{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	files, err := render.HelmFormat{}.Dir(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	var bf []*archive.BufferedFile
	for _, f := range files {
		bf = append(bf, &archive.BufferedFile{Name: f.Path, Data: f.Data})
	}
	c, err := loader.LoadFiles(bf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type env struct {
	t   *testing.T
	kc  *cluster.Cluster
	rc  *release.Client
	cs  kubernetes.Interface
	ns  string
	ctx context.Context
}

func newEnv(t *testing.T, ns string) *env {
	t.Helper()
	kc := kube.Get(t)
	rc, err := release.New(kc.Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(kc.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return &env{t: t, kc: kc, rc: rc, cs: cs, ns: ns, ctx: ctx}
}

// deploy installs or upgrades the release with web at tag and waits for the rollouts (with a
// deadline generous enough for a loaded machine).
func (e *env) deploy(tag string, o release.Options) int {
	e.t.Helper()
	var out bytes.Buffer
	o.Out, o.Wait, o.Timeout = &out, true, 2*time.Minute
	rel, err := e.rc.Deploy(e.ctx, "relapp", chartOf(e.t, e.ns, tag), nil, o)
	e.t.Logf("deploy %s:\n%s", tag, out.String())
	if err != nil {
		e.t.Fatal(err)
	}
	return rel.Version
}

func (e *env) webImage() string {
	e.t.Helper()
	d, err := e.cs.AppsV1().Deployments(e.ns).Get(e.ctx, "web", metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// releaseSecrets counts the Secrets Helm keeps the release's revisions in.
func (e *env) releaseSecrets() int {
	e.t.Helper()
	l, err := e.cs.CoreV1().Secrets(e.ns).List(e.ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=relapp"})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(l.Items)
}

// helmList lists the releases as the helm CLI would: its own action configuration from the
// kubeconfig file, through kubectl's flags.
func (e *env) helmList() []string {
	e.t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &e.kc.Kubeconfig, &e.ns
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, e.ns, "secret"); err != nil {
		e.t.Fatal(err)
	}
	rels, err := action.NewList(cfg).Run()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rels {
		rel, ok := r.(*hrelease.Release)
		if !ok {
			e.t.Fatalf("helm list: release of type %T, want a v1 release", r)
		}
		out = append(out, rel.Name+"/"+rel.Info.Status.String())
	}
	return out
}

// TestReleaseLifecycle installs, upgrades, rolls back and uninstalls a release on the real
// control plane and checks the cluster and Helm's history after each step.
func TestReleaseLifecycle(t *testing.T) {
	e := newEnv(t, "rel-life")
	if v := e.deploy("1.27-alpine", release.Options{}); v != 1 {
		t.Fatalf("install made revision %d, want 1", v)
	}
	if got := e.webImage(); got != "nginx:1.27-alpine" {
		t.Errorf("web image = %s, want nginx:1.27-alpine", got)
	}
	// The same chart and values again: nothing changes, no new revision.
	if v := e.deploy("1.27-alpine", release.Options{}); v != 1 {
		t.Fatalf("an unchanged deploy made revision %d, want 1 still", v)
	}
	// Someone scales web by hand: the same deploy is an upgrade that puts the count back.
	scale, err := e.cs.AppsV1().Deployments(e.ns).GetScale(e.ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 5
	if _, err := e.cs.AppsV1().Deployments(e.ns).UpdateScale(e.ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if v := e.deploy("1.27-alpine", release.Options{}); v != 2 {
		t.Fatalf("a deploy over a drifted object made revision %d, want 2", v)
	}
	if d, err := e.cs.AppsV1().Deployments(e.ns).Get(e.ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("after the upgrade web has %v replicas (err %v), want 2", d.Spec.Replicas, err)
	}
	if got := e.helmList(); len(got) != 1 || got[0] != "relapp/deployed" {
		t.Errorf("helm's list = %v, want [relapp/deployed]", got)
	}
	for _, check := range []func() error{
		func() error {
			_, err := e.cs.AppsV1().StatefulSets(e.ns).Get(e.ctx, "db", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := e.cs.CoreV1().PersistentVolumeClaims(e.ns).Get(e.ctx, "uploads", metav1.GetOptions{})
			return err
		},
	} {
		if err := check(); err != nil {
			t.Error(err)
		}
	}
	if v := e.deploy("1.28-alpine", release.Options{}); v != 3 {
		t.Fatalf("upgrade made revision %d, want 3", v)
	}
	if got := e.webImage(); got != "nginx:1.28-alpine" {
		t.Errorf("after upgrade web image = %s, want nginx:1.28-alpine", got)
	}
	var out bytes.Buffer
	rel, err := e.rc.Rollback(e.ctx, "relapp", 0, release.Options{Wait: true, Timeout: 2 * time.Minute, Out: &out})
	t.Logf("rollback:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 4 {
		t.Errorf("rollback made revision %d, want 4", rel.Version)
	}
	if got := e.webImage(); got != "nginx:1.27-alpine" {
		t.Errorf("after rollback web image = %s, want nginx:1.27-alpine", got)
	}
	hist, err := e.rc.History("relapp")
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, r := range hist {
		states = append(states, r.Status)
	}
	if want := "superseded superseded superseded deployed"; strings.Join(states, " ") != want {
		t.Errorf("history = %v, want %s", states, want)
	}
	e.uninstall()
}

// uninstall uninstalls the release and checks that the objects are gone, the volume claims
// (standalone and the StatefulSet's) and the namespace stay, and the history is gone.
func (e *env) uninstall() {
	t := e.t
	var out bytes.Buffer
	err := e.rc.Uninstall(e.ctx, "relapp", release.UninstallOptions{Timeout: 2 * time.Minute, Out: &out})
	t.Logf("uninstall:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kept PersistentVolumeClaim rel-life/pgdata-db-0", "kept PersistentVolumeClaim rel-life/uploads"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("uninstall output lacks %q", want)
		}
	}
	if _, err := e.cs.AppsV1().Deployments(e.ns).Get(e.ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment web after uninstall: err = %v, want not found", err)
	}
	if _, err := e.cs.AppsV1().StatefulSets(e.ns).Get(e.ctx, "db", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("StatefulSet db after uninstall: err = %v, want not found", err)
	}
	for _, pvc := range []string{"uploads", "pgdata-db-0"} {
		if _, err := e.cs.CoreV1().PersistentVolumeClaims(e.ns).Get(e.ctx, pvc, metav1.GetOptions{}); err != nil {
			t.Errorf("PersistentVolumeClaim %s after uninstall: %v", pvc, err)
		}
	}
	if _, err := e.cs.CoreV1().Namespaces().Get(e.ctx, e.ns, metav1.GetOptions{}); err != nil {
		t.Errorf("namespace after uninstall: %v", err)
	}
	if n := e.releaseSecrets(); n != 0 {
		t.Errorf("%d release Secrets after uninstall, want 0", n)
	}
	if got := e.helmList(); len(got) != 0 {
		t.Errorf("helm's list after uninstall = %v, want none", got)
	}
}

// TestHistoryMax: with a history bound of 2, an install and three upgrades leave two
// revisions (two release Secrets), the newest ones.
func TestHistoryMax(t *testing.T) {
	e := newEnv(t, "rel-histmax")
	for i, tag := range []string{"1.25-alpine", "1.26-alpine", "1.27-alpine", "1.28-alpine"} {
		if v := e.deploy(tag, release.Options{HistoryMax: 2}); v != i+1 {
			t.Fatalf("deploy %d made revision %d", i+1, v)
		}
	}
	if n := e.releaseSecrets(); n != 2 {
		t.Errorf("%d release Secrets, want 2", n)
	}
	hist, err := e.rc.History("relapp")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Version != 3 || hist[1].Version != 4 {
		t.Errorf("history = %+v, want revisions 3 and 4", hist)
	}
}

// brokenChart is a one-Deployment chart whose pods cannot be scheduled when .Values.broken is
// true (a node selector no node matches), so its rollout never finishes.
func brokenChart(ns string) *chart.Chart {
	deploy := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: ` + ns + `
spec:
  replicas: 1
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      {{- if .Values.broken }}
      nodeSelector: {berth.test/no-such-node: "true"}
      {{- end }}
      containers:
      - name: app
        image: nginx:1.27-alpine
`
	namespace := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n"
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "atomic", Version: "0.1.0"},
		Values:   map[string]any{"broken": false},
		Templates: []*common.File{
			{Name: "templates/namespace.yaml", Data: []byte(namespace)},
			{Name: "templates/deployment.yaml", Data: []byte(deploy)},
		},
	}
}

// TestAtomic: a revision whose rollout does not finish is marked failed; with Atomic an
// upgrade is rolled back and a first install uninstalled. The rollouts cannot finish (no node
// matches), so the short timeouts only bound how long the test waits for a known outcome.
func TestAtomic(t *testing.T) {
	e := newEnv(t, "rel-atomic")
	ch := brokenChart(e.ns)
	o := release.Options{Wait: true, Timeout: 2 * time.Minute}
	if _, err := e.rc.Deploy(e.ctx, "atomic", ch, nil, o); err != nil {
		t.Fatal(err)
	}
	broken := map[string]any{"broken": true}
	o.Timeout = 3 * time.Second
	_, err := e.rc.Deploy(e.ctx, "atomic", ch, broken, o)
	if err == nil || !strings.Contains(err.Error(), "rollout not finished") {
		t.Fatalf("upgrade to an unschedulable revision: err = %v, want rollout not finished", err)
	}
	o.Atomic = true
	_, err = e.rc.Deploy(e.ctx, "atomic", ch, broken, o)
	if err == nil || !strings.Contains(err.Error(), "--atomic: release atomic was rolled back to revision 1") {
		t.Fatalf("atomic upgrade: err = %v, want a rollback", err)
	}
	hist, err := e.rc.History("atomic")
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, r := range hist {
		states = append(states, r.Status)
	}
	// Revision 2 failed, and was superseded by the upgrade to 3 (as helm does); 3 failed and
	// 4 rolled back to 1.
	if want := "superseded superseded failed deployed"; strings.Join(states, " ") != want {
		t.Errorf("history = %v, want %s", states, want)
	}
	d, err := e.cs.AppsV1().Deployments(e.ns).Get(e.ctx, "app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Spec.Template.Spec.NodeSelector) != 0 {
		t.Errorf("after the rollback the node selector is %v, want none", d.Spec.Template.Spec.NodeSelector)
	}

	// A first install that fails with Atomic leaves no release behind.
	e2 := newEnv(t, "rel-atomic-new")
	_, err = e2.rc.Deploy(e2.ctx, "atomic", brokenChart(e2.ns), broken, o)
	if err == nil || !strings.Contains(err.Error(), "--atomic: release atomic was uninstalled") {
		t.Fatalf("atomic install: err = %v, want an uninstall", err)
	}
	if _, err := e2.rc.History("atomic"); !errors.Is(err, release.ErrNotFound) {
		t.Errorf("history after the atomic install failed: err = %v, want ErrNotFound", err)
	}
}
