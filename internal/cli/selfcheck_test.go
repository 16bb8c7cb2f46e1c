package cli

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
	"github.com/google/go-cmp/cmp"
)

// webDeployment is Deployment shop/web with selector: valid with app=web, rejected without.
func webDeployment(selector *metav1.LabelSelector) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Selector: selector,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
}

func TestCheckOutput(t *testing.T) {
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "env", Namespace: "shop"},
		Data:       map[string][]byte{"EMPTY": {}, "A": []byte("x")},
	}
	good := []convert.Object{webDeployment(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}), secret}
	if err := checkOutput(good, "1.33", inProcessFull); err != nil {
		t.Fatalf("valid objects: %v", err)
	}
	err := checkOutput([]convert.Object{webDeployment(nil)}, "1.33", inProcessFull)
	if err == nil || !strings.Contains(err.Error(), "bug in berth") || !strings.Contains(err.Error(), "apps/v1 Deployment shop/web: rejected: spec.selector") {
		t.Fatalf("deployment without selector: err %q", err)
	}
	if err := checkOutput(good, "1.12", inProcessFull); err == nil || !strings.Contains(err.Error(), "--kube-version") {
		t.Fatalf("unknown version: err %v", err)
	}
	// Without the full validators (berth without berth-cluster), what the fast check cannot
	// vouch for is reported as not checked, never as valid.
	err = checkOutput([]convert.Object{webDeployment(nil)}, "1.33", nil)
	if !errors.Is(err, errNoFullCheck) || !strings.Contains(err.Error(), "1 object not checked against the Kubernetes 1.33 schemas (Deployment web)") {
		t.Fatalf("no full check: err %v", err)
	}
	if err := checkOutput(good, "1.33", nil); err != nil {
		t.Fatalf("valid objects need no full check: %v", err)
	}
	// The server-only rules (validate.ServerRules) reject without the full validators.
	noImage := webDeployment(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})
	noImage.Spec.Template.Spec.Containers[0].Image = ""
	noImage.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "web", Image: "busybox"}}
	err = checkOutput([]convert.Object{noImage}, "1.37", nil)
	if err == nil || errors.Is(err, errNoFullCheck) || !strings.Contains(err.Error(), "spec.template.spec.containers[0].image: Required value") ||
		!strings.Contains(err.Error(), `spec.template.spec.initContainers[0].name: Duplicate value: "web"`) {
		t.Fatalf("container without image, duplicate name: err %v", err)
	}
}

// inProcessFull is berth-cluster's full offline check, run in the test's process.
func inProcessFull(kubeVersion string, objs []*unstructured.Unstructured) ([]validate.Result, error) {
	v, err := full.NewOffline(kubeVersion)
	if err != nil {
		return nil, err
	}
	return v.Validate(objs), nil
}

// The YAML format checks the maps it encodes, other formats are checked beside rendering:
// either way a rejected object fails the render with the bug report, and valid objects render
// exactly as without the check.
func TestRenderChecked(t *testing.T) {
	good := []convert.Object{webDeployment(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})}
	bad := []convert.Object{webDeployment(nil)}
	for _, name := range []string{render.YAML, render.JSON} {
		format, _ := render.ForName(name)
		for _, dir := range []bool{true, false} {
			_, _, err := renderChecked(format, bad, dir, "1.33", inProcessFull)
			if err == nil || !strings.Contains(err.Error(), "bug in berth") || !strings.Contains(err.Error(), "spec.selector") {
				t.Errorf("%s dir=%v: err %v, want the bug report naming spec.selector", name, dir, err)
			}
			files, stream, err := renderChecked(format, good, dir, "1.33", nil)
			if err != nil {
				t.Fatalf("%s dir=%v: %v", name, dir, err)
			}
			wantFiles, _ := format.Dir(good)
			wantStream, _ := format.Stream(good)
			if dir && !cmp.Equal(files, wantFiles) || !dir && string(stream) != string(wantStream) {
				t.Errorf("%s dir=%v: output differs from the unchecked render", name, dir)
			}
		}
	}
}
