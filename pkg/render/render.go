// Package render turns converted Kubernetes objects into bytes keyed by relative path. It never
// touches the disk: package write (or the CLI's --stdout) puts the result somewhere.
//
// A Format is one output layout (plain YAML, JSON; Helm charts and Kustomize trees plug in through
// the same interface). Every format is deterministic: the same objects give the same bytes.
package render

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
)

// File is one rendered output file.
type File struct {
	// Path is slash-separated and relative to the output directory.
	Path string
	Data []byte
	// Sensitive files hold secret data: they are written owner-only (0600).
	Sensitive bool
}

// Files is a rendered output, sorted by Path.
type Files []File

// Sort orders files by path.
func (fs Files) Sort() { sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path }) }

// Format renders objects in one output layout.
type Format interface {
	// Dir renders one or more files for an output directory.
	Dir(objs []convert.Object) (Files, error)
	// Stream renders everything as one stream (for --stdout).
	Stream(objs []convert.Object) ([]byte, error)
}

// Format names.
const (
	YAML = "yaml"
	JSON = "json"
)

// Spec describes an output format to the commands that offer it: the one table the CLI asks
// which formats exist, which need an output directory, and which flags belong to which format.
type Spec struct {
	Name string
	// Aliases are other names the format answers to.
	Aliases []string
	// DirOnly formats write a directory tree (a chart, a kustomization): they need -o DIR.
	DirOnly bool
	// Flags are the command-line flags only this format takes (the CLI binds them).
	Flags []string
	// New returns the format with its default settings.
	New func() Format
}

// Specs lists the output formats, in the order help texts give them.
func Specs() []Spec {
	return []Spec{
		{Name: YAML, Aliases: []string{"yml"}, New: func() Format { return yamlFormat{} }},
		{Name: JSON, New: func() Format { return jsonFormat{} }},
		{Name: Kustomize, DirOnly: true, Flags: []string{"overlay"}, New: func() Format { return KustomizeFormat{} }},
		{Name: Helm, DirOnly: true, Flags: []string{"chart-version", "app-version"}, New: func() Format { return HelmFormat{} }},
	}
}

// SpecFor returns the format called name (or one of its aliases).
func SpecFor(name string) (Spec, error) {
	for _, s := range Specs() {
		if s.Name == name || slices.Contains(s.Aliases, name) {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("unknown output format %q (want one of %s)", name, strings.Join(Formats(), ", "))
}

// Formats lists the format names berth knows, for flag help and validation.
func Formats() []string {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name)
	}
	return names
}

// ForName returns the format called name with its default settings (kustomize without
// overlays, a chart at the default version).
func ForName(name string) (Format, error) {
	s, err := SpecFor(name)
	if err != nil {
		return nil, err
	}
	return s.New(), nil
}

// FileName is the stable file name of obj in a plain output directory: the kind's apply rank,
// the lower-case kind and the object name, e.g. "16-deployment-web.yaml". Names sort in apply
// order and do not change when other objects are added. ns is added for objects whose kind and
// name occur in more than one namespace.
func FileName(obj convert.Object, withNamespace bool, ext string) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	var b strings.Builder
	fmt.Fprintf(&b, "%02d-%s-", convert.KindRank(kind), strings.ToLower(kind))
	if withNamespace && obj.GetNamespace() != "" {
		b.WriteString(obj.GetNamespace())
		b.WriteString("-")
	}
	b.WriteString(obj.GetName())
	b.WriteString(ext)
	return b.String()
}

// dirFiles renders each object to its own file with encode.
func dirFiles(objs []convert.Object, ext string, encode func(convert.Object) ([]byte, error)) (Files, error) {
	ambiguous := ambiguousNames(objs)
	out := make(Files, len(objs))
	seen := make(map[string]bool, len(objs))
	for i, o := range objs {
		name := FileName(o, ambiguous[kindName(o)], ext)
		if seen[name] {
			return nil, fmt.Errorf("two objects render to the same file %s", name)
		}
		seen[name] = true
		out[i] = File{Path: name, Sensitive: IsSensitive(o)}
	}
	err := Each(len(objs), func(i int) error {
		data, err := encode(objs[i])
		out[i].Data = data
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Sort()
	return out, nil
}

// IsSensitive says whether obj carries secret data (a Secret).
func IsSensitive(obj convert.Object) bool {
	return obj.GetObjectKind().GroupVersionKind().Kind == "Secret"
}

func kindName(o convert.Object) string {
	return o.GetObjectKind().GroupVersionKind().Kind + "/" + o.GetName()
}

// ambiguousNames returns the kind/name pairs that occur in more than one namespace.
func ambiguousNames(objs []convert.Object) map[string]bool {
	ns := make(map[string]string, len(objs))
	out := map[string]bool{}
	for _, o := range objs {
		k := kindName(o)
		if prev, ok := ns[k]; ok && prev != o.GetNamespace() {
			out[k] = true
		}
		ns[k] = o.GetNamespace()
	}
	return out
}
