package golden

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/podsecurity"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// TestPodSecurityGradesMatchAdmission checks berth's Pod Security grade of every workload in
// pkg/convert's goldens against the apiserver's own PodSecurity admission: the workload's pod
// is dry-run created in a namespace enforcing baseline and in one enforcing restricted, and
// the admission's accept/reject must agree with the grade.
func TestPodSecurityGradesMatchAdmission(t *testing.T) {
	files, err := filepath.Glob("../../pkg/convert/testdata/*/want.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	cs, err := cluster.APIServer.Get(t).Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, level := range []string{"baseline", "restricted"} {
		enforcing(t, ctx, cs, "pss-"+level, level)
	}
	grader, err := podsecurity.New()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := validate.ParseYAML(objectsOf(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range objs {
			pod, err := podOf(u)
			if err != nil {
				t.Fatal(err)
			}
			if pod == nil {
				continue
			}
			name := filepath.Base(filepath.Dir(f)) + ": " + u.GetKind() + "/" + u.GetName()
			g := grader.Grade(&pod.ObjectMeta, &pod.Spec)
			checked[g.Level]++
			for _, level := range []string{"baseline", "restricted"} {
				want := g.Level == level || g.Level == "restricted"
				got := admitted(t, ctx, cs, "pss-"+level, pod)
				if got != want {
					t.Errorf("%s: graded %s, but the apiserver enforcing %s admitted=%v", name, g, level, got)
				}
			}
		}
	}
	t.Logf("workloads checked by grade: %v", checked)
	for _, level := range []string{"privileged", "baseline", "restricted"} {
		if checked[level] == 0 {
			t.Errorf("no golden workload graded %s: the test does not cover that verdict", level)
		}
	}
}

// enforcing creates a namespace enforcing level (latest) with its default ServiceAccount
// (no controller-manager creates it in the API-server-only cluster).
func enforcing(t *testing.T, ctx context.Context, cs *kubernetes.Clientset, name, level string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if _, err := cs.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// admitted dry-run creates pod in ns and reports whether PodSecurity admitted it; any other
// failure fails the test.
func admitted(t *testing.T, ctx context.Context, cs *kubernetes.Clientset, ns string, pod *corev1.Pod) bool {
	t.Helper()
	p := pod.DeepCopy()
	p.Namespace = ns
	_, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil {
		return true
	}
	if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "violates PodSecurity") {
		return false
	}
	t.Fatalf("dry-run pod %s in %s: %v", p.Name, ns, err)
	return false
}

// podOf returns the pod a workload object would create (its template, with berth's
// ServiceAccount cleared: the test namespaces have only the default one), nil for others.
// (StatefulSet's claim template volumes added.)
func podOf(u *unstructured.Unstructured) (*corev1.Pod, error) {
	var w convert.Object
	switch u.GetKind() {
	case "Deployment":
		w = &appsv1.Deployment{}
	case "StatefulSet":
		w = &appsv1.StatefulSet{}
	case "DaemonSet":
		w = &appsv1.DaemonSet{}
	case "Job":
		w = &batchv1.Job{}
	case "CronJob":
		w = &batchv1.CronJob{}
	default:
		return nil, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, w); err != nil {
		return nil, fmt.Errorf("%s: %w", u.GetName(), err)
	}
	tmpl := convert.PodTemplate(w)
	if s, ok := w.(*appsv1.StatefulSet); ok {
		// The controller adds a volume per claim template, as the pods it creates have.
		for _, c := range s.Spec.VolumeClaimTemplates {
			tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name + "-" + s.Name + "-0"}}})
		}
	}
	pod := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
	pod.Name = strings.ToLower(u.GetKind()) + "-" + u.GetName()
	pod.Spec.ServiceAccountName = ""
	return pod, nil
}
