package validate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestServerRules: each rule finds its violation in every kind that holds a pod, with the
// apiserver's field path and wording, and nothing in valid objects.
func TestServerRules(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"valid deployment", `{kind: Deployment, spec: {template: {spec: {initContainers: [{name: wait, image: busybox}], containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 80}, {name: admin, containerPort: 81}, {containerPort: 82}, {containerPort: 83}]}, {name: side, image: x, ports: [{name: http, containerPort: 90}]}]}}}}`, nil},
		{"no image", `{kind: Deployment, spec: {template: {spec: {containers: [{name: web}]}}}}`,
			[]string{"spec.template.spec.containers[0].image: Required value"}},
		{"no image in an init container of a CronJob", `{kind: CronJob, spec: {jobTemplate: {spec: {template: {spec: {initContainers: [{name: w, image: ""}], containers: [{name: web, image: x}]}}}}}}`,
			[]string{"spec.jobTemplate.spec.template.spec.initContainers[0].image: Required value"}},
		{"duplicate port names", `{kind: StatefulSet, spec: {template: {spec: {containers: [{name: db, image: x, ports: [{name: tcp, containerPort: 1}, {name: tcp, containerPort: 2}]}]}}}}`,
			[]string{`spec.template.spec.containers[0].ports[1].name: Duplicate value: "tcp"`}},
		{"duplicate container names", `{kind: Pod, spec: {initContainers: [{name: web, image: x}], containers: [{name: web, image: nginx}, {name: web, image: redis}]}}`,
			[]string{`spec.containers[1].name: Duplicate value: "web"`, `spec.initContainers[0].name: Duplicate value: "web"`}},
		{"not a pod", `{kind: Service, spec: {template: {spec: {containers: [{name: web}]}}}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.doc), &obj); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ServerRules(obj)); diff != "" {
				t.Errorf("ServerRules (-want +got):\n%s", diff)
			}
		})
	}
}
