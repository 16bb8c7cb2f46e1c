package cli

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/pkg/convert"
)

func TestCheckOutput(t *testing.T) {
	deployment := func(selector *metav1.LabelSelector) *appsv1.Deployment {
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
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "env", Namespace: "shop"},
		Data:       map[string][]byte{"EMPTY": {}, "A": []byte("x")},
	}
	good := []convert.Object{deployment(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}), secret}
	if err := checkOutput(good, "1.33"); err != nil {
		t.Fatalf("valid objects: %v", err)
	}
	err := checkOutput([]convert.Object{deployment(nil)}, "1.33")
	if err == nil || !strings.Contains(err.Error(), "bug in berth") || !strings.Contains(err.Error(), "apps/v1 Deployment shop/web: rejected: spec.selector") {
		t.Fatalf("deployment without selector: err %q", err)
	}
	if err := checkOutput(good, "1.12"); err == nil || !strings.Contains(err.Error(), "--kube-version") {
		t.Fatalf("unknown version: err %v", err)
	}
}
