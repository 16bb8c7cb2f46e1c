package render

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// Kustomize is the format name of a Kustomize tree.
const Kustomize = "kustomize"

// kustomizeAPI is the apiVersion of the kustomization files berth writes.
const kustomizeAPI = "kustomize.config.k8s.io/v1beta1"

// overlayName is what an overlay directory may be called: one DNS label, so it is a safe path
// segment and reads well as an environment name.
var overlayName = lazyRegexp(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// KustomizeFormat renders a Kustomize tree:
//
//	base/kustomization.yaml      resources: objects (and config): builds to exactly the plain output
//	base/objects/                every object but the generated config, as the plain output's files
//	base/config/                 the ConfigMaps as plain files; the Secrets generated (with their
//	                             plain names) from data files under a .gitignore
//	overlays/<name>/             per overlay: a kustomization on ../../base/objects that
//	                             regenerates the config from data files (content-hashed names),
//	                             with images, replicas, an example patch and the namespace
//
// The base keeps plain names; an overlay's ConfigMaps and Secrets get a hash suffix, and the
// workloads that use them follow, so changing an overlay's config rolls the pods that read it.
// Kustomize only hashes what a kustomization generates itself (an overlay cannot turn a base's
// plain object into a hashed one), hence base/objects without the config.
type KustomizeFormat struct {
	// Overlays are the overlay (environment) names, e.g. "staging", "prod".
	Overlays []string
}

// ValidateOverlays checks overlay names: DNS labels, no duplicates.
func ValidateOverlays(names []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		if !overlayName().MatchString(n) || len(n) > 63 {
			return fmt.Errorf("overlay name %q must be a DNS label (lower-case letters, digits and '-')", n)
		}
		if seen[n] {
			return fmt.Errorf("overlay %q given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Dir renders the base and the overlays.
func (k KustomizeFormat) Dir(objs []convert.Object) (Files, error) {
	if err := ValidateOverlays(k.Overlays); err != nil {
		return nil, err
	}
	gens := generators(objs)
	ambiguous := ambiguousNames(objs)
	configFiles, secretFiles := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		if g, ok := gens[o]; ok {
			configFiles[FileName(o, ambiguous[kindName(o)], ".yaml")] = true
			secretFiles[FileName(o, ambiguous[kindName(o)], ".yaml")] = g.kind == "Secret"
		}
	}
	plain, err := yamlFormat{}.Dir(objs)
	if err != nil {
		return nil, err
	}
	var out Files
	lists := map[string][]string{}
	for _, f := range plain {
		sub := "objects"
		if configFiles[f.Path] {
			sub = "config"
		}
		if secretFiles[f.Path] {
			continue // generated from git-ignored data files below, never inline
		}
		lists[sub] = append(lists[sub], f.Path)
		f.Path = "base/" + sub + "/" + f.Path
		out = append(out, f)
	}
	var baseSecrets []goyaml.MapSlice
	for _, o := range objs {
		if g, ok := gens[o]; ok && g.kind == "Secret" {
			baseSecrets = append(baseSecrets, g.entryWith(map[string]any{"disableNameSuffixHash": true}))
			out = append(out, g.files("base/config/")...)
		}
	}
	if len(baseSecrets) > 0 {
		out = append(out, File{Path: "base/config/secrets/.gitignore", Data: []byte(secretsIgnore), Sensitive: true})
	}
	var subs []string
	for _, sub := range []string{"objects", "config"} {
		fields := map[string]any{}
		if len(lists[sub]) > 0 {
			fields["resources"] = lists[sub]
		}
		if sub == "config" && len(baseSecrets) > 0 {
			fields["secretGenerator"] = baseSecrets
		}
		if len(fields) == 0 {
			continue
		}
		subs = append(subs, sub)
		data, err := kustomization(fields)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: "base/" + sub + "/kustomization.yaml", Data: data})
	}
	data, err := kustomization(map[string]any{"resources": subs})
	if err != nil {
		return nil, err
	}
	out = append(out, File{Path: "base/kustomization.yaml", Data: data})
	for _, name := range k.Overlays {
		files, err := overlay(name, objs, gens, len(lists["objects"]) > 0)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	out.Sort()
	return out, nil
}

// Stream is not supported: a Kustomize tree is a directory.
func (KustomizeFormat) Stream([]convert.Object) ([]byte, error) {
	return nil, errors.New("the kustomize format writes a directory: use -o DIR")
}

// kustomization renders a Kustomization with the given fields, keys sorted.
func kustomization(fields map[string]any) ([]byte, error) {
	m := map[string]any{"apiVersion": kustomizeAPI, "kind": "Kustomization"}
	for k, v := range fields {
		m[k] = v
	}
	return goyaml.Marshal(m)
}

// imageEntry is one `images:` entry of a kustomization.
type imageEntry struct {
	Name   string `yaml:"name"`
	NewTag string `yaml:"newTag,omitempty"`
	Digest string `yaml:"digest,omitempty"`
}

// replicaEntry is one `replicas:` entry of a kustomization.
type replicaEntry struct {
	Name  string `yaml:"name"`
	Count int32  `yaml:"count"`
}

// kustomizeImages returns one entry per distinct image name with its current tag (or digest),
// sorted by name. Images without tag or digest are left out: there is nothing to pin. An image
// used with two different tags is left out too, as one entry would change one of them.
func kustomizeImages(objs []convert.Object) []imageEntry {
	byName := map[string]imageEntry{}
	conflict := map[string]bool{}
	for _, o := range objs {
		spec := convert.PodSpec(o)
		if spec == nil {
			continue
		}
		for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
			e, ok := splitImage(c.Image)
			if !ok {
				continue
			}
			if prev, seen := byName[e.Name]; seen && prev != e {
				conflict[e.Name] = true
			}
			byName[e.Name] = e
		}
	}
	out := make([]imageEntry, 0, len(byName))
	for name, e := range byName {
		if !conflict[name] {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// splitImage splits "registry:5000/app:1.2@sha256:..." into name and tag or digest.
func splitImage(ref string) (imageEntry, bool) {
	if name, digest, ok := strings.Cut(ref, "@"); ok {
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
		return imageEntry{Name: name, Digest: digest}, name != ""
	}
	i := strings.LastIndex(ref, ":")
	if i <= strings.LastIndex(ref, "/") || i == len(ref)-1 || i == 0 {
		return imageEntry{}, false
	}
	return imageEntry{Name: ref[:i], NewTag: ref[i+1:]}, true
}

// kustomizeReplicas returns a replicas entry per Deployment or StatefulSet that sets a replica
// count (autoscaled ones do not), sorted by name. Kustomize matches replicas by name alone, so
// a name shared by two workloads with different counts is left out.
func kustomizeReplicas(objs []convert.Object) []replicaEntry {
	counts := map[string]int32{}
	conflict := map[string]bool{}
	for _, o := range objs {
		var r *int32
		switch w := o.(type) {
		case *appsv1.Deployment:
			r = w.Spec.Replicas
		case *appsv1.StatefulSet:
			r = w.Spec.Replicas
		}
		if r == nil {
			continue
		}
		if prev, seen := counts[o.GetName()]; seen && prev != *r {
			conflict[o.GetName()] = true
		}
		counts[o.GetName()] = *r
	}
	out := make([]replicaEntry, 0, len(counts))
	for name, n := range counts {
		if !conflict[name] {
			out = append(out, replicaEntry{Name: name, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
