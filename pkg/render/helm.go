package render

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// Helm is the format name of a Helm chart.
const Helm = "helm"

// HelmFormat renders a Helm chart (apiVersion v2): Chart.yaml, values.yaml, _helpers.tpl,
// NOTES.txt and one template per object, named like the plain output's files. The templates are
// the objects' YAML with the per-workload values substituted: each container's image
// (repository and tag) and each workload's replica count. With its default values the chart
// renders exactly the objects `--format yaml` writes.
//
// Secrets are rendered as they are in the plain output (their template files are written
// owner-only); values.yaml holds no secret data.
type HelmFormat struct {
	// Version is the chart version (default 0.1.0).
	Version string
}

// helmWorkload holds the chart's default values for one workload.
type helmWorkload struct {
	Replicas   *int32                   `yaml:"replicas,omitempty"`
	Containers map[string]helmContainer `yaml:"containers,omitempty"`
}

type helmContainer struct {
	Image helmImage `yaml:"image"`
}

type helmImage struct {
	Repository string `yaml:"repository"`
	Tag        string `yaml:"tag"`
}

// Dir renders the chart.
func (h HelmFormat) Dir(objs []convert.Object) (Files, error) {
	ambiguous := ambiguousNames(objs)
	name := chartName(objs)
	workloads := map[string]helmWorkload{}
	out := make(Files, 0, len(objs)+4)
	for _, o := range objs {
		data, err := helmTemplate(o, workloads)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: "templates/" + FileName(o, ambiguous[kindName(o)], ".yaml"), Data: data, Sensitive: IsSensitive(o)})
	}
	version := h.Version
	if version == "" {
		version = "0.1.0"
	}
	chart, err := goyaml.Marshal(map[string]any{
		"apiVersion": "v2", "name": name, "version": version, "appVersion": version, "type": "application",
		"description": "Kubernetes objects converted by berth",
	})
	if err != nil {
		return nil, err
	}
	values, err := goyaml.Marshal(map[string]any{"workloads": workloads})
	if err != nil {
		return nil, err
	}
	out = append(out,
		File{Path: "Chart.yaml", Data: chart},
		File{Path: "values.yaml", Data: values},
		File{Path: "templates/_helpers.tpl", Data: []byte(helpers(name))},
		File{Path: "templates/NOTES.txt", Data: []byte(notes(objs))},
	)
	out.Sort()
	return out, nil
}

// Stream is not supported: a chart is a directory.
func (HelmFormat) Stream([]convert.Object) ([]byte, error) {
	return nil, errors.New("the helm format writes a chart directory: use -o DIR")
}

// chartName is the app's name: the part-of label berth puts on every object, else "app".
func chartName(objs []convert.Object) string {
	for _, o := range objs {
		if n := o.GetLabels()["app.kubernetes.io/part-of"]; n != "" {
			return n
		}
	}
	return "app"
}

// helmTemplate renders obj as a template and records its default values in workloads.
func helmTemplate(o convert.Object, workloads map[string]helmWorkload) ([]byte, error) {
	m, err := Unstructured(o)
	if err != nil {
		return nil, err
	}
	subst := map[string]string{}
	if spec := convert.PodSpec(o); spec != nil {
		key := o.GetName()
		if _, taken := workloads[key]; taken {
			key = strings.ToLower(o.GetObjectKind().GroupVersionKind().Kind) + "-" + key
		}
		w := helmWorkload{Containers: map[string]helmContainer{}}
		path := fmt.Sprintf("(index .Values.workloads %q", key)
		if r, ok := replicasOf(m); ok {
			w.Replicas = &r
			tok := fmt.Sprintf("__berth_value_%d__", len(subst))
			subst[tok] = "{{ " + path + " \"replicas\") }}"
			setReplicas(m, tok)
		}
		for _, list := range containerLists(m) {
			for _, c := range list {
				cm, _ := c.(map[string]any)
				cname, _ := cm["name"].(string)
				img, _ := cm["image"].(string)
				e, ok := splitImage(img)
				if !ok || e.Digest != "" {
					continue
				}
				if _, dup := w.Containers[cname]; dup {
					continue
				}
				w.Containers[cname] = helmContainer{Image: helmImage{Repository: e.Name, Tag: e.NewTag}}
				tok := fmt.Sprintf("__berth_value_%d__", len(subst))
				ip := fmt.Sprintf("%s \"containers\" %q \"image\")", path, cname)
				subst[tok] = fmt.Sprintf(`{{ printf "%%s:%%s" (index %s "repository") (index %s "tag") | quote }}`, ip, ip)
				cm["image"] = tok
			}
		}
		if w.Replicas != nil || len(w.Containers) > 0 {
			workloads[key] = w
		}
	}
	data, err := goyaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	// Literal template delimiters in the objects (a ConfigMap holding a Go template) print as
	// themselves.
	s := strings.ReplaceAll(string(data), "{{", "{{`{{`}}")
	keys := make([]string, 0, len(subst))
	for k := range subst {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys))) // _10_ before _1_
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, subst[k])
	}
	return []byte(s), nil
}

// replicasOf returns spec.replicas of a workload map, if set.
func replicasOf(m map[string]any) (int32, bool) {
	spec, _ := m["spec"].(map[string]any)
	switch r := spec["replicas"].(type) {
	case int64:
		return int32(r), true
	case int32:
		return r, true
	case int:
		return int32(r), true
	}
	return 0, false
}

// setReplicas puts v (a placeholder token) at spec.replicas.
func setReplicas(m map[string]any, v string) {
	m["spec"].(map[string]any)["replicas"] = v
}

// containerLists returns the initContainers and containers lists of a workload map.
func containerLists(m map[string]any) [][]any {
	spec, _ := m["spec"].(map[string]any)
	if jt, ok := spec["jobTemplate"].(map[string]any); ok {
		spec, _ = jt["spec"].(map[string]any)
	}
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	var out [][]any
	for _, k := range []string{"initContainers", "containers"} {
		if l, ok := pod[k].([]any); ok {
			out = append(out, l)
		}
	}
	return out
}

// helpers is _helpers.tpl: the standard name and label helpers, named after the chart.
func helpers(name string) string {
	return fmt.Sprintf(`{{/* The chart's name. */}}
{{- define %[1]q -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Standard labels. */}}
{{- define %[2]q -}}
app.kubernetes.io/name: {{ include %[1]q . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%%s-%%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}
`, name+".name", name+".labels")
}

// notes tells how to reach the public services: the Ingress hosts.
func notes(objs []convert.Object) string {
	var b strings.Builder
	b.WriteString("{{ .Chart.Name }} is installed as release {{ .Release.Name }}.\n")
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind != "Ingress" {
			continue
		}
		m, err := Unstructured(o)
		if err != nil {
			continue
		}
		spec, _ := m["spec"].(map[string]any)
		rules, _ := spec["rules"].([]any)
		for _, r := range rules {
			host, _ := r.(map[string]any)["host"].(string)
			if host != "" {
				fmt.Fprintf(&b, "Ingress %s/%s: http://%s/\n", o.GetNamespace(), o.GetName(), host)
			}
		}
	}
	b.WriteString("Secrets are part of the chart's templates as berth wrote them; values.yaml holds none.\n")
	return b.String()
}
