package apply

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v2"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// LabelService is the label naming the source service (Compose service or ECS container) of
// an object; berth's errors and tables name it.
const LabelService = "app.kubernetes.io/name"

// labelPartOfApp is the recommended label naming the application.
const labelPartOfApp = "app.kubernetes.io/part-of"

// ReadDir reads the objects of a directory berth wrote (YAML or JSON files, several documents
// per file allowed), in path order. A Helm chart or a kustomization is refused with advice:
// those need their own tools to render.
func ReadDir(dir string) ([]*unstructured.Unstructured, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != dir {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	sort.Strings(files)
	keep := files[:0]
	for _, f := range files {
		switch filepath.Base(f) {
		case "Chart.yaml":
			return nil, fmt.Errorf("%s: %s is a Helm chart: deploy it with berth apply --format helm --from DIR (or helm install)", f, dir)
		case "kustomization.yaml", "kustomization.yml", "Kustomization":
			return nil, fmt.Errorf("%s: %s is a kustomization: render it with kubectl kustomize into a directory first, or run berth apply with the convert flags", f, dir)
		case "berth-report.json", "report.json":
			continue
		}
		keep = append(keep, f)
	}
	// Decoding is CPU work (YAML to JSON to maps, about 0.1 ms an object): the files are read
	// on every core, and joined in file order, so the result and the first error reported do
	// not depend on the scheduling.
	parsed := make([][]*unstructured.Unstructured, len(keep))
	errs := make([]error, len(keep))
	forEach(len(keep), goruntime.GOMAXPROCS(0), func(i int) {
		parsed[i], errs[i] = readFile(keep[i])
	})
	var out []*unstructured.Unstructured
	for i := range keep {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, parsed[i]...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no Kubernetes objects found (expected .yaml, .yml or .json files)", dir)
	}
	return out, nil
}

func readFile(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a stream of YAML or JSON documents (Lists are flattened); source names the
// stream in errors.
func Parse(source string, data []byte) ([]*unstructured.Unstructured, error) {
	path := source
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: decodeYAMLDirect(raw)}
		if u.Object == nil {
			if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096).Decode(&u.Object); err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
			}
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.IsList() {
			err = u.EachListItem(func(o runtime.Object) error {
				out = append(out, o.(*unstructured.Unstructured))
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
			}
			continue
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("%s: document %d: not a Kubernetes object (needs apiVersion, kind and metadata.name)", path, doc)
		}
		out = append(out, u)
	}
}

// decodeYAMLDirect decodes one YAML document into the map utilyaml's YAMLOrJSONDecoder would
// produce, without its detour through JSON: that decoder parses the YAML (go-yaml v2), converts
// the result to JSON bytes and parses those again (sigs.k8s.io/yaml), which on an unchanged
// re-apply of 501 objects was half of berth's decoding CPU. The tree go-yaml returns is
// converted in place of the round trip, giving what it would give: string keys, numbers as
// float64 (encoding/json's default, which the round trip uses), strings, booleans and nulls as
// they are. It returns nil, and the caller takes the round trip, for everything else: a JSON
// document (decoded with int64 numbers by the JSON path), a YAML error (whose message the round
// trip words), a document that is not a mapping, a key that is not a string, a string that is
// not valid UTF-8 (JSON would replace bytes), a NaN or infinite number (JSON has none), or any
// other type go-yaml may return. TestDecodeYAMLDirect holds the two paths equal.
func decodeYAMLDirect(raw []byte) map[string]any {
	if utilyaml.IsJSONBuffer(raw) {
		return nil
	}
	var v any
	if yaml.Unmarshal(raw, &v) != nil {
		return nil
	}
	m, ok := v.(map[any]any)
	if !ok {
		return nil
	}
	out, ok := jsonable(m)
	if !ok {
		return nil
	}
	return out.(map[string]any)
}

// jsonable converts a go-yaml v2 value as a YAML → JSON → Go round trip would; ok is false
// where the round trip could differ (see decodeYAMLDirect).
func jsonable(v any) (any, bool) {
	switch t := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok || !utf8.ValidString(ks) {
				return nil, false
			}
			c, ok := jsonable(e)
			if !ok {
				return nil, false
			}
			out[ks] = c
		}
		return out, true
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, ok := jsonable(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case string:
		return t, utf8.ValidString(t)
	case bool, nil:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float64:
		return t, !math.IsNaN(t) && !math.IsInf(t, 0)
	}
	return nil, false
}

// AppName returns the application the objects belong to: the value of their
// app.kubernetes.io/part-of label, which must be the same on all of them.
func AppName(objs []*unstructured.Unstructured) (string, error) {
	name := ""
	for _, u := range objs {
		v := u.GetLabels()[labelPartOfApp]
		if v == "" {
			continue
		}
		if name != "" && v != name {
			return "", fmt.Errorf("%s: label %s=%q differs from %q on other objects: apply one application at a time", ref(u), labelPartOfApp, v, name)
		}
		name = v
	}
	if name == "" {
		return "", errors.New("no object carries the label " + labelPartOfApp + ": name the application with --name")
	}
	return name, nil
}

// ref names an object the way berth's messages do: `Kind namespace/name (service svc)`.
func ref(u *unstructured.Unstructured) string {
	s := u.GetKind() + " " + u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		s = u.GetKind() + " " + ns + "/" + u.GetName()
	}
	if svc := u.GetLabels()[LabelService]; svc != "" {
		s += " (service " + svc + ")"
	}
	return s
}

// Patch returns the apply patch for u: a copy without null values, status, and the
// metadata the server owns, so that what berth sends is exactly what it means to own.
func Patch(u *unstructured.Unstructured) *unstructured.Unstructured {
	c := u.DeepCopy()
	delete(c.Object, "status")
	if md, ok := c.Object["metadata"].(map[string]any); ok {
		for _, k := range []string{"creationTimestamp", "resourceVersion", "uid", "generation", "managedFields", "selfLink"} {
			delete(md, k)
		}
	}
	dropNulls(c.Object)
	return c
}

func dropNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range t {
			dropNulls(e)
		}
	}
}
