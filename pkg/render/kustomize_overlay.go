package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	corev1 "k8s.io/api/core/v1"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// overlay renders overlays/<name>/: kustomization.yaml (commented, one section per kind of
// change), the generated config's data files, an example patch and the namespace transformer.
func overlay(name string, objs []convert.Object, gens map[convert.Object]generated, hasObjects bool) (Files, error) {
	dir := "overlays/" + name + "/"
	var out Files
	var b strings.Builder
	fmt.Fprintf(&b, "# Overlay %q: the base with this environment's changes. Untouched, it builds to the\n", name)
	b.WriteString("# base's objects, except that generated ConfigMaps and Secrets carry a content hash.\n")
	sections := []section{{fields: goyaml.MapSlice{{Key: "apiVersion", Value: kustomizeAPI}, {Key: "kind", Value: "Kustomization"}}}}
	if hasObjects {
		sections = append(sections, section{key: "resources", value: []string{"../../base/objects"}})
	}
	if imgs := kustomizeImages(objs); len(imgs) > 0 {
		sections = append(sections, section{key: "images", value: imgs,
			comment: "Image tags: set newTag (or digest) per image for this environment."})
	}
	if reps := kustomizeReplicas(objs); len(reps) > 0 {
		sections = append(sections, section{key: "replicas", value: reps,
			comment: "Replica counts of Deployments and StatefulSets (autoscaled ones have none)."})
	}
	cms, secrets := generatorEntries(objs, gens)
	if len(cms) > 0 {
		sections = append(sections, section{key: "configMapGenerator", value: cms,
			comment: "ConfigMaps made from the files under config/ (KEY=VALUE lines, or one file per key).\n" +
				"Their names get a hash of the content: edit a value and the pods that read it roll."})
	}
	if len(secrets) > 0 {
		sections = append(sections, section{key: "secretGenerator", value: secrets,
			comment: "Secrets made from the files under secrets/ (owner-only files, git-ignored: fill them in\n" +
				"per environment or generate them from a secret store). Hashed names, like the ConfigMaps."})
	}
	for _, o := range objs {
		if g, ok := gens[o]; ok {
			out = append(out, g.files(dir)...)
		}
	}
	if len(secrets) > 0 {
		out = append(out, File{Path: dir + "secrets/.gitignore", Data: []byte(secretsIgnore), Sensitive: true})
	}
	if p, ok := examplePatch(objs); ok {
		data, err := p.render()
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: dir + p.path, Data: data})
		sections = append(sections, section{key: "patches", value: []map[string]string{{"path": p.path}},
			comment: "Patches: " + p.path + " is an example (" + p.what + ",\n" +
				"as in the base). Edit it, or add strategic-merge or JSON 6902 patches here."})
	}
	if ns, ok := soleNamespace(objs); ok {
		out = append(out, File{Path: dir + "namespace.yaml", Data: []byte(namespaceTransformer(ns))})
		sections = append(sections, section{key: "transformers", value: []string{"namespace.yaml"},
			comment: "The namespace: edit namespace.yaml to move this environment to another namespace."})
	}
	for _, s := range sections {
		if err := s.write(&b); err != nil {
			return nil, err
		}
	}
	return append(out, File{Path: dir + "kustomization.yaml", Data: []byte(b.String())}), nil
}

// section is one top-level part of a commented kustomization.
type section struct {
	comment string
	key     string
	value   any
	fields  goyaml.MapSlice // instead of key and value
}

func (s section) write(b *strings.Builder) error {
	fields := s.fields
	if fields == nil {
		fields = goyaml.MapSlice{{Key: s.key, Value: s.value}}
	}
	data, err := goyaml.Marshal(fields)
	if err != nil {
		return err
	}
	if s.comment != "" {
		for _, line := range strings.Split(s.comment, "\n") {
			b.WriteString("# " + line + "\n")
		}
	}
	b.Write(data)
	return nil
}

// generatorEntries returns the configMapGenerator and secretGenerator entries, in object order.
func generatorEntries(objs []convert.Object, gens map[convert.Object]generated) (cms, secrets []goyaml.MapSlice) {
	for _, o := range objs {
		g, ok := gens[o]
		if !ok {
			continue
		}
		if g.kind == "Secret" {
			secrets = append(secrets, g.entry())
		} else {
			cms = append(cms, g.entry())
		}
	}
	return cms, secrets
}

// soleNamespace returns the one namespace every namespaced object is in, if there is one.
func soleNamespace(objs []convert.Object) (string, bool) {
	ns := ""
	for _, o := range objs {
		n := o.GetNamespace()
		if o.GetObjectKind().GroupVersionKind().Kind == "Namespace" {
			n = o.GetName()
		}
		if n == "" {
			continue
		}
		if ns != "" && n != ns {
			return "", false
		}
		ns = n
	}
	return ns, ns != ""
}

// namespaceTransformer is an overlay's namespace.yaml. A NamespaceTransformer rather than the
// kustomization's namespace field: that field leaves RoleBinding subjects in other namespaces
// alone, and berth's RoleBindings name the ServiceAccount of the dependency-wait init
// containers in the application's namespace.
func namespaceTransformer(ns string) string {
	return `# The namespace of this environment: change metadata.namespace below to move every object,
# the Namespace object itself and the ServiceAccount subjects of RoleBindings with it.
apiVersion: builtin
kind: NamespaceTransformer
metadata:
  name: namespace
  namespace: ` + ns + `
setRoleBindingSubjects: allServiceAccounts
unsetOnly: false
fieldSpecs:
- path: metadata/name
  kind: Namespace
  create: true
`
}

// patchExample is an overlay's example patch file.
type patchExample struct {
	path, what string
	doc        map[string]any
}

// examplePatch is a strategic-merge patch that restates the resources of the first container
// (of the first Deployment or StatefulSet that sets any): a valid, harmless starting point.
func examplePatch(objs []convert.Object) (patchExample, bool) {
	for _, o := range objs {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		if kind != "Deployment" && kind != "StatefulSet" {
			continue
		}
		spec := convert.PodSpec(o)
		if spec == nil {
			continue
		}
		for _, c := range spec.Containers {
			if len(c.Resources.Requests) == 0 && len(c.Resources.Limits) == 0 {
				continue
			}
			meta := map[string]any{"name": o.GetName()}
			if o.GetNamespace() != "" {
				meta["namespace"] = o.GetNamespace()
			}
			return patchExample{
				path: "patches/" + strings.ToLower(kind) + "-" + o.GetName() + "-resources.yaml",
				what: fmt.Sprintf("the resources of %s %s's container %s", kind, o.GetName(), c.Name),
				doc: map[string]any{
					"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
					"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
						"containers": []map[string]any{{"name": c.Name, "resources": resourceMap(c.Resources)}},
					}}},
				},
			}, true
		}
	}
	return patchExample{}, false
}

func (p patchExample) render() ([]byte, error) {
	data, err := goyaml.Marshal(p.doc)
	if err != nil {
		return nil, err
	}
	head := "# Example patch (strategic merge): " + p.what + ", as in the base.\n" +
		"# Change the values for this environment; kustomize merges this into the object.\n"
	return append([]byte(head), data...), nil
}

// resourceMap renders requests and limits with canonical quantities, keys sorted.
func resourceMap(r corev1.ResourceRequirements) map[string]any {
	out := map[string]any{}
	for key, list := range map[string]corev1.ResourceList{"requests": r.Requests, "limits": r.Limits} {
		if len(list) == 0 {
			continue
		}
		m := map[string]string{}
		names := make([]string, 0, len(list))
		for n := range list {
			names = append(names, string(n))
		}
		sort.Strings(names)
		for _, n := range names {
			q := list[corev1.ResourceName(n)]
			m[n] = q.String()
		}
		out[key] = m
	}
	return out
}
