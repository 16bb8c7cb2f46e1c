package render

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
)

// containerList is one of a pod spec's container lists.
type containerList struct {
	key   string // initContainers or containers
	items []any
}

// podSpecOf returns the pod template of a workload map (Deployment, StatefulSet, DaemonSet,
// Job: spec.template; CronJob: spec.jobTemplate.spec.template).
func podTemplateOf(m map[string]any) map[string]any {
	spec := asMap(m["spec"])
	if jt := asMap(spec["jobTemplate"]); jt != nil {
		spec = asMap(jt["spec"])
	}
	return asMap(spec["template"])
}

// podContainers returns the init containers and containers of a workload map.
func podContainers(m map[string]any) []containerList {
	pod := asMap(podTemplateOf(m)["spec"])
	var out []containerList
	for _, k := range []string{"initContainers", "containers"} {
		if l := asList(pod[k]); l != nil {
			out = append(out, containerList{key: k, items: l})
		}
	}
	return out
}

// podTemplate templates a workload: replicas, the pod's labels and annotations, each
// container and the StatefulSet's volume claim templates.
func (b *chartBuilder) podTemplate(t *template, o convert.Object, m map[string]any) {
	key, ok := b.keys[kindName(o)]
	if !ok {
		return
	}
	w := b.values.fields["workloads"].object(key, "")
	w.doc = fmt.Sprintf("%s %s.", kindOf(o), o.GetName())
	spec := asMap(m["spec"])
	if r, ok := spec["replicas"]; ok {
		w.leaf("replicas", "Number of pods.", "integer", r, map[string]any{"minimum": 0})
		spec["replicas"] = t.action(w.field("replicas"))
	}
	if jt := asMap(spec["jobTemplate"]); jt != nil {
		b.labels(t, asMap(jt["metadata"]), "")
	}
	tmpl := podTemplateOf(m)
	if tmpl["metadata"] == nil {
		tmpl["metadata"] = map[string]any{}
	}
	meta := asMap(tmpl["metadata"])
	labels := w.freeMap("podLabels", "Labels added to the pods (not to the selector).", nil, stringEntry())
	b.labels(t, meta, labels.ref())
	ann := w.freeMap("podAnnotations", "The pods' annotations.", asMap(meta["annotations"]), stringEntry())
	b.annotations(t, meta, ann.ref(), false)
	for _, list := range podContainers(m) {
		doc := "The pod's containers, by name."
		if list.key == "initContainers" {
			doc = "The pod's init containers, by name (berth's own wait for dependencies among them)."
		}
		group := w.object(list.key, doc)
		for _, c := range list.items {
			cm := asMap(c)
			name, _ := cm["name"].(string)
			if _, dup := group.fields[name]; dup || name == "" {
				continue
			}
			b.container(t, cm, group.object(name, fmt.Sprintf("Container %s.", name)))
		}
	}
	for _, vct := range asList(spec["volumeClaimTemplates"]) {
		vm := asMap(vct)
		name, _ := asMap(vm["metadata"])["name"].(string)
		if name == "" {
			continue
		}
		node := w.object("persistence", "The StatefulSet's volume claim templates, by name (changes apply to new pods' claims only:\n"+
			"a StatefulSet's claim templates cannot change, so set them before the first install).").
			object(name, fmt.Sprintf("Volume claim template %s.", name))
		b.claim(t, asMap(vm["spec"]), node)
	}
}

// container templates one container: image, pull policy, resources and probes.
func (b *chartBuilder) container(t *template, cm map[string]any, node *valueNode) {
	ref, _ := cm["image"].(string)
	if repo, tag, digest, ok := imageParts(ref); ok {
		img := node.object("image", "The container image: repository[:tag][@digest].")
		img.leaf("repository", "Image repository (registry and path).", "string", repo, map[string]any{"minLength": 1})
		img.leaf("tag", "Image tag (empty: none).", []string{"string", "number"}, tag, nil)
		img.leaf("digest", "Image digest, e.g. sha256:... (empty: none).", "string", digest, nil)
		cm["image"] = t.action(fmt.Sprintf("include %q %s | quote", b.name+".image", img.ref()))
		pp, _ := cm["imagePullPolicy"].(string)
		img.leaf("pullPolicy", "imagePullPolicy: Always, IfNotPresent or Never (empty: Kubernetes' default).", "string", pp,
			map[string]any{"enum": []string{"", "Always", "IfNotPresent", "Never"}})
		cm["imagePullPolicy"] = t.action(img.field("pullPolicy"))
		t.cond(cm, "imagePullPolicy", img.field("pullPolicy"))
	}
	for _, p := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		if cm[p] == nil {
			continue
		}
		probe := node.object(p, fmt.Sprintf("The container's %s.", p))
		probe.leaf("enabled", "false leaves the probe out.", "boolean", true, nil)
		t.cond(cm, p, probe.field("enabled"))
	}
	have := asMap(cm["resources"])
	if have["claims"] != nil {
		return // dynamic resource claims: kept as they are
	}
	res := node.object("resources", "CPU and memory requests and limits, e.g. cpu: 500m, memory: 256Mi.")
	quantity := map[string]any{"type": []string{"string", "number"}}
	res.freeMap("requests", "What the scheduler reserves for the container.", asMap(have["requests"]), quantity)
	res.freeMap("limits", "The most the container may use.", asMap(have["limits"]), quantity)
	t.block(cm, "resources", func(ind string) []string { return resourcesBlock(ind, res) })
}

// resourcesBlock renders a container's resources from its values, leaving empty parts out.
func resourcesBlock(ind string, res *valueNode) []string {
	limits, requests := res.field("limits"), res.field("requests")
	out := []string{ind + fmt.Sprintf("{{- if or %s %s }}", limits, requests), ind + "resources:"}
	for _, part := range []struct{ key, ref string }{{"limits", limits}, {"requests", requests}} {
		out = append(out, ind+"  {{- with "+part.ref+" }}", ind+"  "+part.key+":",
			fmt.Sprintf("%s    {{- toYaml . | nindent %d }}", ind, len(ind)+4), ind+"  {{- end }}")
	}
	return append(out, ind+"{{- end }}")
}

// claim templates a PersistentVolumeClaim spec: requested size and storage class.
func (b *chartBuilder) claim(t *template, spec map[string]any, node *valueNode) {
	req := asMap(asMap(spec["resources"])["requests"])
	if size, ok := req["storage"].(string); ok {
		node.leaf("size", "Requested storage size, e.g. 10Gi.", "string", size,
			map[string]any{"pattern": `^[0-9]+(\.[0-9]+)?([EPTGMK]i?|[mkMGTPE]|[eE][0-9]+)?$`})
		req["storage"] = t.action(node.field("size") + " | quote")
	}
	class := "" // absent: the cluster's default class
	if c, ok := spec["storageClassName"].(string); ok {
		class = c
		if c == "" {
			class = "-"
		}
	}
	node.leaf("storageClass", `storageClassName: empty for the cluster's default class, "-" for none (storageClassName: "").`, "string", class, nil)
	ref := node.field("storageClass")
	spec["storageClassName"] = t.text(fmt.Sprintf(`{{ if eq %s "-" }}""{{ else }}{{ %s | quote }}{{ end }}`, ref, ref))
	t.cond(spec, "storageClassName", ref)
}

// imageParts splits an image reference into repository, tag and digest; ok is false when
// joining them would not give ref back.
func imageParts(ref string) (repo, tag, digest string, ok bool) {
	repo = ref
	if i := strings.Index(repo, "@"); i >= 0 {
		repo, digest = repo[:i], repo[i+1:]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest, repo != "" && joinImage(repo, tag, digest) == ref
}

func joinImage(repo, tag, digest string) string {
	s := repo
	if tag != "" {
		s += ":" + tag
	}
	if digest != "" {
		s += "@" + digest
	}
	return s
}
