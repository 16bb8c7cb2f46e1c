package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func testObjects() []convert.Object {
	labels := map[string]string{"app": "web"}
	return []convert.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"},
			Data:       map[string][]byte{"password": []byte("hunter2")},
		},
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
			Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
		},
		&appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{
						Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27", Args: []string{"true", "80", "<b>"}}},
						Volumes:    []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
					},
				},
			},
		},
	}
}

func TestYAMLDir(t *testing.T) {
	f, err := ForName("yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := f.Dir(testObjects())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fl := range files {
		names = append(names, fl.Path)
		if got, want := fl.Sensitive, strings.Contains(fl.Path, "secret"); got != want {
			t.Errorf("%s: sensitive = %v, want %v", fl.Path, got, want)
		}
	}
	want := []string{"00-namespace-shop.yaml", "11-secret-db.yaml", "15-service-web.yaml", "16-deployment-web.yaml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("file names (-want +got):\n%s", diff)
	}
	deploy := string(files[3].Data)
	wantDeploy := `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - args:
        - "true"
        - "80"
        - <b>
        image: nginx:1.27
        name: web
      volumes:
      - emptyDir: {}
        name: tmp
`
	if diff := cmp.Diff(wantDeploy, deploy); diff != "" {
		t.Errorf("deployment yaml (-want +got):\n%s", diff)
	}
	if svc := string(files[2].Data); strings.Contains(svc, "status") || strings.Contains(svc, "creationTimestamp") {
		t.Errorf("service yaml carries noise:\n%s", svc)
	}
}

func TestStreamsDeterministic(t *testing.T) {
	for _, name := range Formats() {
		if name == Kustomize || name == Helm {
			continue // a directory only: TestKustomizeStream
		}
		f, err := ForName(name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.Stream(testObjects())
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Stream(testObjects())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", name)
		}
		if name == YAML && strings.Count(string(a), "\n---\n") != 3 {
			t.Errorf("yaml stream: want 4 documents, got:\n%s", a)
		}
	}
}

func TestJSONStreamIsList(t *testing.T) {
	f, _ := ForName(JSON)
	data, err := f.Stream(testObjects())
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range list.Items {
		kinds = append(kinds, it.Kind)
	}
	if diff := cmp.Diff([]string{"Namespace", "Secret", "Service", "Deployment"}, kinds); diff != "" || list.Kind != "List" {
		t.Errorf("list kind %q, items (-want +got):\n%s", list.Kind, diff)
	}
	if strings.Contains(string(data), `\u003c`) {
		t.Errorf("html escaped: %s", data)
	}
}

func TestAmbiguousNamesGetNamespace(t *testing.T) {
	objs := []convert.Object{
		&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "env", Namespace: "a"}},
		&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "env", Namespace: "b"}},
		&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "b"}},
	}
	files, err := yamlFormat{}.Dir(objs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Path)
	}
	want := []string{"10-configmap-a-env.yaml", "10-configmap-b-env.yaml", "10-configmap-other.yaml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := ForName("toml"); err == nil || !strings.Contains(err.Error(), "yaml, json") {
		t.Errorf("got %v, want an error listing the formats", err)
	}
}

func TestEmptySpecOnlyWhenReallyEmpty(t *testing.T) {
	ns, err := encodeYAML(&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"; string(ns) != want {
		t.Errorf("namespace:\n%s\nwant:\n%s", ns, want)
	}
	np, err := encodeYAML(&networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}, ObjectMeta: metav1.ObjectMeta{Name: "deny"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(np), "spec:\n  podSelector: {}\n") {
		t.Errorf("network policy lost its meaningful empty selector:\n%s", np)
	}
}

// TestYAMLMatchesSigsYAML proves the direct encoder gives the bytes sigs.k8s.io/yaml.Marshal
// (JSON, then YAML) gives, on objects with every value type.
func TestYAMLMatchesSigsYAML(t *testing.T) {
	objs := append(testObjects(), &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "odd", Namespace: "shop", Annotations: map[string]string{"a": "yes", "b": "1.5", "c": "", "d": "line1\nline2\n", "e": "null", "f": "~", "g": "0x1F", "h": "- x", "i": "é ü", "j": ": x", "k": "#c", "l": "  lead"}},
		Data:       map[string]string{"config.yaml": "a: 1\nb: [1, 2]\n", "on": "off", "long": strings.Repeat("word ", 40)},
	})
	for _, o := range objs {
		m, err := Unstructured(o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeYAML(o)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-sigs.k8s.io/yaml +render):\n%s", o.GetName(), diff)
		}
	}
}
