package render

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// generated is a ConfigMap or Secret that overlays regenerate with a configMapGenerator or
// secretGenerator, so its name carries a hash of its content: a change in an overlay's data
// gives a new name, the workloads that use it get the new name too, and their pods roll.
type generated struct {
	obj  convert.Object
	kind string // ConfigMap or Secret
	// stem names its data in an overlay: config/<stem>.env, secrets/<stem>.env, or a
	// directory config/<stem>/ of one file per key.
	stem string
	data map[string][]byte
}

// entry is the generator entry (configMapGenerator or secretGenerator) for g: same name,
// namespace, labels and annotations as the base object, data from the overlay's files.
func (g generated) entry() goyaml.MapSlice { return g.entryWith(nil) }

// entryWith is entry with more generator options (disableNameSuffixHash for the base).
func (g generated) entryWith(more map[string]any) goyaml.MapSlice {
	e := goyaml.MapSlice{{Key: "name", Value: g.obj.GetName()}}
	if ns := g.obj.GetNamespace(); ns != "" {
		e = append(e, goyaml.MapItem{Key: "namespace", Value: ns})
	}
	if s, ok := g.obj.(*corev1.Secret); ok {
		e = append(e, goyaml.MapItem{Key: "type", Value: string(nonEmptySecretType(s.Type))})
	}
	if envForm(g.data) {
		e = append(e, goyaml.MapItem{Key: "envs", Value: []string{g.dir() + "/" + g.stem + ".env"}})
	} else {
		files := make([]string, 0, len(g.data))
		for _, k := range sortedDataKeys(g.data) {
			files = append(files, k+"="+g.dir()+"/"+g.stem+"/"+k)
		}
		e = append(e, goyaml.MapItem{Key: "files", Value: files})
	}
	opts := map[string]any{}
	for k, v := range more {
		opts[k] = v
	}
	if l := g.obj.GetLabels(); len(l) > 0 {
		opts["labels"] = l
	}
	if a := g.obj.GetAnnotations(); len(a) > 0 {
		opts["annotations"] = a
	}
	if immutable(g.obj) {
		opts["immutable"] = true
	}
	if len(opts) > 0 {
		e = append(e, goyaml.MapItem{Key: "options", Value: opts})
	}
	return e
}

func nonEmptySecretType(t corev1.SecretType) corev1.SecretType {
	if t == "" {
		return corev1.SecretTypeOpaque
	}
	return t
}

func immutable(o convert.Object) bool {
	switch v := o.(type) {
	case *corev1.ConfigMap:
		return v.Immutable != nil && *v.Immutable
	case *corev1.Secret:
		return v.Immutable != nil && *v.Immutable
	}
	return false
}

// dir is where an overlay keeps g's data: config/ for ConfigMaps, secrets/ for Secrets.
func (g generated) dir() string {
	if g.kind == "Secret" {
		return "secrets"
	}
	return "config"
}

// secretsIgnore is the .gitignore berth writes in every directory of Secret data files.
const secretsIgnore = "# Secret data berth read at convert time: never commit it. Fill it in per environment\n" +
	"# (or generate it from a secret store); this file keeps everything else here out of git.\n*\n!.gitignore\n"

// files returns g's data files in an overlay directory (prefix ends in "/"). Secret data is
// written owner-only.
func (g generated) files(prefix string) Files {
	sensitive := g.kind == "Secret"
	if envForm(g.data) {
		var b strings.Builder
		for _, k := range sortedDataKeys(g.data) {
			b.WriteString(k)
			b.WriteString("=")
			b.Write(g.data[k])
			b.WriteString("\n")
		}
		return Files{{Path: prefix + g.dir() + "/" + g.stem + ".env", Data: []byte(b.String()), Sensitive: sensitive}}
	}
	out := make(Files, 0, len(g.data))
	for _, k := range sortedDataKeys(g.data) {
		out = append(out, File{Path: prefix + g.dir() + "/" + g.stem + "/" + k, Data: g.data[k], Sensitive: sensitive})
	}
	return out
}

// envForm reports whether data reads back unchanged from a Kustomize env file (KEY=VALUE per
// line, taken literally): keys are environment variable names and values single lines of
// UTF-8 short enough for one scanner line. Otherwise each key gets its own file.
func envForm(data map[string][]byte) bool {
	if len(data) == 0 {
		return false
	}
	for k, v := range data {
		if len(validation.IsEnvVarName(k)) > 0 {
			return false
		}
		if !utf8.Valid(v) || len(v) > 32*1024 || strings.ContainsAny(string(v), "\n\r") {
			return false
		}
	}
	return true
}

func sortedDataKeys(m map[string][]byte) []string {
	return slices.Sorted(maps.Keys(m))
}

// generators picks the objects generated from data files: ConfigMaps without binary data, and
// every Secret with data, so that no Secret's data is inline in a file meant to be committed
// (the base generates them too, with their plain names; docs/secrets.md).
func generators(objs []convert.Object) map[convert.Object]generated {
	ambiguous := ambiguousNames(objs)
	out := map[convert.Object]generated{}
	for _, o := range objs {
		g := generated{obj: o, stem: o.GetName()}
		if ambiguous[kindName(o)] && o.GetNamespace() != "" {
			g.stem = o.GetNamespace() + "-" + o.GetName()
		}
		switch v := o.(type) {
		case *corev1.ConfigMap:
			if len(v.BinaryData) > 0 || len(v.Data) == 0 {
				continue
			}
			g.kind, g.data = "ConfigMap", map[string][]byte{}
			for k, s := range v.Data {
				g.data[k] = []byte(s)
			}
		case *corev1.Secret:
			if len(v.Data)+len(v.StringData) == 0 {
				continue
			}
			g.kind, g.data = "Secret", map[string][]byte{}
			for k, d := range v.Data {
				g.data[k] = d
			}
			for k, s := range v.StringData {
				g.data[k] = []byte(s)
			}
		default:
			continue
		}
		out[o] = g
	}
	return out
}
