package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
)

// chartBuilder turns objects into templates and collects the chart's values.
type chartBuilder struct {
	name   string
	values *valueNode
	// workloads maps a component (app.kubernetes.io/name) to its key under workloads (the
	// first workload of the component: its Services, Ingress and env belong there).
	workloads map[string]string
	// keys maps each workload (kind/name) to its own key under workloads.
	keys map[string]string
	// envOwner maps an env ConfigMap to the one workload whose own environment it is; a
	// ConfigMap listed with "" is read by several workloads (sharedEnv).
	envOwner map[string]string
	// secrets are the Secrets the chart creates, by name.
	secrets map[string]*valueNode
	// secretData is the data of those Secrets (base64), for secret-values.yaml only.
	secretData map[string]map[string]any
	// ports maps a Service name and port number to the port's value.
	ports map[string]map[int64]*valueNode
	notes notes
	// ns is the app's namespace ("" when the objects do not have one).
	ns string
	// types is the Go type layout cache of the chart's objects (ToMap).
	types typeCache
}

func newChartBuilder(name string, objs []convert.Object) (*chartBuilder, error) {
	b := &chartBuilder{name: name, values: newValues(), workloads: map[string]string{}, keys: map[string]string{}, envOwner: map[string]string{},
		secrets: map[string]*valueNode{}, secretData: map[string]map[string]any{}, ports: map[string]map[int64]*valueNode{}, ns: appNamespace(objs)}
	v := b.values
	v.freeMap("commonLabels", "Labels added to every object (pods too). berth's own labels win on a clash.", nil, stringEntry())
	v.freeMap("commonAnnotations", "Annotations added to every object's metadata (not to pods: see podAnnotations).", nil, stringEntry())
	v.leaf("nameOverride", "Replaces the chart name in the app.kubernetes.io/part-of label, which is part of every selector:\n"+
		"set it only on a first install (selectors cannot change).", "string", "", nil)
	v.object("workloads", "Per workload (Compose service or ECS container group): its image, replicas, resources, probes,\n"+
		"environment, Services, Ingress and persistent volumes.")
	b.namespaceValues()
	if err := b.scan(objs); err != nil {
		return nil, err
	}
	return b, nil
}

// scan records, before any template is written, what templates refer to across objects:
// workload keys, who reads which env ConfigMap, the chart's Secrets and Service ports.
func (b *chartBuilder) scan(objs []convert.Object) error {
	readers := map[string][]string{}
	for _, o := range objs {
		if convert.PodSpec(o) == nil {
			continue
		}
		key := o.GetName()
		if b.isWorkloadKey(key) {
			key = strings.ToLower(kindOf(o)) + "-" + key
		}
		b.keys[kindName(o)] = key
		if _, taken := b.workloads[component(o)]; !taken {
			b.workloads[component(o)] = key
		}
		m, err := unstructuredWith(o, &b.types)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, list := range podContainers(m) {
			for _, c := range list.items {
				for _, ef := range asList(asMap(c)["envFrom"]) {
					if n, _ := asMap(asMap(ef)["configMapRef"])["name"].(string); n != "" && !seen[n] {
						seen[n] = true
						readers[n] = append(readers[n], key)
					}
				}
			}
		}
	}
	own := map[string][]string{}
	for cm, ws := range readers {
		if len(ws) == 1 {
			own[ws[0]] = append(own[ws[0]], cm)
		}
		b.envOwner[cm] = ""
	}
	for w, cms := range own {
		if len(cms) == 1 {
			b.envOwner[cms[0]] = w
		}
	}
	for _, o := range objs {
		switch kindOf(o) {
		case "Secret":
			if err := b.scanSecret(o); err != nil {
				return err
			}
		case "Service":
			if err := b.scanService(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *chartBuilder) isWorkloadKey(key string) bool {
	for _, k := range b.keys {
		if k == key {
			return true
		}
	}
	return false
}

// workload returns the values of the workload of component, or nil.
func (b *chartBuilder) workload(component string) *valueNode {
	key, ok := b.workloads[component]
	if !ok {
		return nil
	}
	return b.values.fields["workloads"].object(key, "")
}

// template renders one object as a template.
func (b *chartBuilder) template(o convert.Object) ([]byte, error) {
	m, err := unstructuredWith(o, &b.types)
	if err != nil {
		return nil, err
	}
	t := newTemplate()
	b.secretRefs(t, m, "")
	b.namespaceRefs(t, o, m)
	annotations := ""
	switch kindOf(o) {
	case "Service":
		annotations = b.service(t, o, m)
	case "Ingress":
		annotations = b.ingress(t, o, m)
	case "ConfigMap":
		b.configMap(t, o, m)
	case "Secret":
		b.secret(t, o, m)
	case "PersistentVolumeClaim":
		node := b.values.object("persistence", "Standalone PersistentVolumeClaims (named volumes), by name.").
			object(o.GetName(), fmt.Sprintf("PersistentVolumeClaim %s.", o.GetName()))
		b.claim(t, asMap(m["spec"]), node)
	}
	if convert.PodSpec(o) != nil {
		b.podTemplate(t, o, m)
	}
	b.selectors(t, m, "")
	meta := asMap(m["metadata"])
	b.labels(t, meta, "")
	b.annotations(t, meta, annotations, true)
	return t.render(m)
}

// labels renders meta's labels with the chart's labels helper when they hold berth's standard
// labels (of a component or of the whole app); other labels (e.g. a NetworkPolicy's network
// membership) are passed to the helper as they are. pod names the podLabels value of a pod
// template.
func (b *chartBuilder) labels(t *template, meta map[string]any, pod string) {
	comp, extra, ok := b.standardLabels(asMap(meta["labels"]))
	if !ok {
		return
	}
	args := fmt.Sprintf(`(dict "component" %q "root" $`, comp)
	if len(extra) > 0 {
		args += ` "extra" ` + dictLiteral(extra)
	}
	if pod != "" {
		args += ` "pod" ` + pod
	}
	args += ")"
	t.block(meta, "labels", func(ind string) []string {
		return []string{ind + "labels:", fmt.Sprintf(`%s  {{- include "%s.labels" %s | nindent %d }}`, ind, b.name, args, len(ind)+2)}
	})
}

// standardLabels returns the component whose standard labels l holds ("" for the app-wide
// ones) and the other labels, or false.
func (b *chartBuilder) standardLabels(l map[string]any) (string, map[string]any, bool) {
	comp, _ := l[convert.LabelName].(string)
	want := convert.Labels(b.name, comp)
	for k, v := range want {
		if l[k] != v {
			return "", nil, false
		}
	}
	extra := map[string]any{}
	for k, v := range l {
		if _, std := want[k]; !std {
			extra[k] = v
		}
	}
	return comp, extra, true
}

// selectors renders label selectors (matchLabels anywhere, a Service's spec.selector) that are
// a component's standard selector with the chart's selectorLabels helper.
func (b *chartBuilder) selectors(t *template, v any, parent string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			b.selectors(t, c, k)
		}
		for _, k := range []string{"matchLabels", "selector"} {
			sel := asMap(x[k])
			comp, _ := sel[convert.LabelName].(string)
			if sel == nil || k == "selector" && parent != "spec" || len(sel) != 2 || sel[convert.LabelPartOf] != b.name || comp == "" {
				continue
			}
			t.block(x, k, func(ind string) []string {
				return []string{ind + k + ":", fmt.Sprintf(`%s  {{- include "%s.selectorLabels" (dict "component" %q "root" $) | nindent %d }}`, ind, b.name, comp, len(ind)+2)}
			})
		}
	case []any:
		for _, c := range x {
			b.selectors(t, c, "")
		}
	}
}

// annotations renders meta's annotations: own (a value's expression, or else the object's
// annotations as they are) merged with commonAnnotations when common is set; an empty result
// leaves the key out.
func (b *chartBuilder) annotations(t *template, meta map[string]any, own string, common bool) {
	if own == "" {
		own = dictLiteral(asMap(meta["annotations"]))
	}
	expr := own
	if common && own == "(dict)" {
		expr = "$.Values.commonAnnotations"
	} else if common {
		expr = fmt.Sprintf("merge (dict) %s $.Values.commonAnnotations", own)
	}
	t.block(meta, "annotations", func(ind string) []string {
		return []string{ind + "{{- with " + expr + " }}", ind + "annotations:",
			fmt.Sprintf("%s  {{- toYaml . | nindent %d }}", ind, len(ind)+2), ind + "{{- end }}"}
	})
}

// dictLiteral is a template expression building m.
func dictLiteral(m map[string]any) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	b.WriteString("(dict")
	for _, k := range keys {
		fmt.Fprintf(&b, " %q %q", k, fmt.Sprint(m[k]))
	}
	b.WriteString(")")
	return b.String()
}

// secretRefs points every reference to a chart Secret (volumes, envFrom, env, projected
// volumes, imagePullSecrets) at the existing Secret a user names instead.
func (b *chartBuilder) secretRefs(t *template, v any, parent string) {
	switch x := v.(type) {
	case map[string]any:
		key := ""
		switch parent {
		case "secretRef", "secretKeyRef":
			key = "name"
		case "secret":
			key = "secretName"
			if _, ok := x[key]; !ok {
				key = "name" // a projected volume's source
			}
		}
		b.secretRef(t, x, key)
		for k, c := range x {
			b.secretRefs(t, c, k)
		}
	case []any:
		for _, c := range x {
			if parent == "imagePullSecrets" {
				b.secretRef(t, asMap(c), "name")
			}
			b.secretRefs(t, c, "")
		}
	}
}

func (b *chartBuilder) secretRef(t *template, m map[string]any, key string) {
	if key == "" {
		return
	}
	name, _ := m[key].(string)
	if node, ok := b.secrets[name]; ok {
		m[key] = t.action(fmt.Sprintf("default %q %s | quote", name, node.field("existingSecret")))
	}
}

// component is the app.kubernetes.io/name label of o (its Compose service), else its name.
func component(o convert.Object) string {
	if c := o.GetLabels()[convert.LabelName]; c != "" {
		return c
	}
	return o.GetName()
}

func kindOf(o convert.Object) string { return o.GetObjectKind().GroupVersionKind().Kind }

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// stringEntry is the schema of a map entry that must be a string (labels, annotations).
func stringEntry() map[string]any { return map[string]any{"type": "string"} }
