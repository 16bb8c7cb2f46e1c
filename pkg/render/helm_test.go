package render

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImageParts(t *testing.T) {
	cases := []struct {
		ref, repo, tag, digest string
		ok                     bool
	}{
		{"nginx", "nginx", "", "", true},
		{"nginx:1.27", "nginx", "1.27", "", true},
		{"localhost:5000/app", "localhost:5000/app", "", "", true},
		{"localhost:5000/app:2", "localhost:5000/app", "2", "", true},
		{"nginx:1.27@sha256:abc", "nginx", "1.27", "sha256:abc", true},
		{"nginx@sha256:abc", "nginx", "", "sha256:abc", true},
		{"nginx:", "nginx", "", "", false},
		{"", "", "", "", false},
	}
	for _, c := range cases {
		repo, tag, digest, ok := imageParts(c.ref)
		if ok != c.ok || ok && (repo != c.repo || tag != c.tag || digest != c.digest) {
			t.Errorf("imageParts(%q) = %q %q %q %v, want %q %q %q %v", c.ref, repo, tag, digest, ok, c.repo, c.tag, c.digest, c.ok)
		}
	}
}

func TestAppVersion(t *testing.T) {
	pod := func(images ...string) convert.Object {
		var cs []corev1.Container
		for _, i := range images {
			cs = append(cs, corev1.Container{Name: "c", Image: i})
		}
		return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: cs}}}}
	}
	cases := []struct {
		objs []convert.Object
		want string
	}{
		{[]convert.Object{pod("a:1.0"), pod("b:1.0"), pod("postgres:16")}, "1.0"},
		{[]convert.Object{pod("postgres:16"), pod("redis:7")}, ""},
		{[]convert.Object{pod("app:latest"), pod("app:latest", "side:2")}, "2"},
		{[]convert.Object{pod("app")}, ""},
	}
	for _, c := range cases {
		if got := AppVersion(c.objs); got != c.want {
			t.Errorf("AppVersion = %q, want %q", got, c.want)
		}
	}
}

func TestValueRef(t *testing.T) {
	cases := map[string][]string{
		"$.Values.workloads.web.replicas":                {"workloads", "web", "replicas"},
		`(index $.Values.workloads "my-app" "replicas")`: {"workloads", "my-app", "replicas"},
		`(index $.Values.secrets.s.stringData "a.txt")`:  {"secrets", "s", "stringData", "a.txt"},
	}
	for want, path := range cases {
		if got := valueRef(path); got != want {
			t.Errorf("valueRef(%v) = %s, want %s", path, got, want)
		}
	}
}

// TestTemplateTokens checks the token rewriting: inline actions, blocks, and conditional keys
// wrapping a map, a sequence and nested conditions; literal {{ is escaped.
func TestTemplateTokens(t *testing.T) {
	tm := newTemplate()
	inner := map[string]any{"x": 1, "y": "{{ literal }}"}
	m := map[string]any{
		"a":    tm.action("$.Values.a"),
		"list": []any{"p", "q"},
		"obj":  map[string]any{"inner": inner, "z": 2},
		"b":    "replaced",
	}
	tm.cond(m, "list", "$.Values.l")
	tm.cond(asMap(m["obj"]), "inner", "$.Values.i")
	tm.cond(m, "obj", "$.Values.o")
	tm.block(m, "b", func(ind string) []string { return []string{ind + "b: {{ 1 }}"} })
	got, err := tm.render(m)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"a: {{ $.Values.a }}",
		"b: {{ 1 }}",
		"{{- if $.Values.l }}",
		"list:",
		"- p",
		"- q",
		"{{- end }}",
		"{{- if $.Values.o }}",
		"obj:",
		"  {{- if $.Values.i }}",
		"  inner:",
		"    x: 1",
		"    \"y\": '{{`{{`}} literal }}'",
		"  {{- end }}",
		"  z: 2",
		"{{- end }}",
		"",
	}, "\n")
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("template (-want +got):\n%s", diff)
	}
}

// TestHelmWorkloadKeys gives two workloads of one name (and component) their own values: the
// second is keyed by kind.
func TestHelmWorkloadKeys(t *testing.T) {
	labels := convert.Labels("app", "web")
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}}}
	}
	objs := []convert.Object{
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "app", Labels: labels}, Spec: appsv1.DeploymentSpec{Template: tmpl("web:1")}},
		&appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "app", Labels: labels}, Spec: appsv1.StatefulSetSpec{Template: tmpl("web:2")}},
	}
	files, err := HelmFormat{}.Dir(objs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Data)
	}
	for path, want := range map[string]string{
		"templates/16-deployment-web.yaml":  "$.Values.workloads.web.containers.web.image",
		"templates/17-statefulset-web.yaml": `(index $.Values.workloads "statefulset-web" "containers" "web" "image")`,
		"values.yaml":                       "  statefulset-web:\n",
	} {
		if !strings.Contains(got[path], want) {
			t.Errorf("%s lacks %s:\n%s", path, want, got[path])
		}
	}
}
