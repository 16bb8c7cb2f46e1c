package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/berth-dev/berth/pkg/convert"
)

// Unstructured converts obj to its JSON-shaped map and removes the serialisation noise typed
// objects carry: `creationTimestamp: null`, the `status` (berth writes desired state only;
// some kinds' status structs have non-omitempty counters such as `replicas: 0`), and empty non-pointer structs
// such as `resources: {}` or `strategy: {}` that say nothing. Meaningful empty objects
// (`emptyDir: {}`, `podSelector: {}`) are kept: only the keys noiseKey names are stripped.
func Unstructured(obj convert.Object) (map[string]any, error) {
	return unstructuredWith(obj, &typeCache{})
}

// unstructuredWith is Unstructured with a type cache shared by the objects of one render.
func unstructuredWith(obj convert.Object, types *typeCache) (map[string]any, error) {
	m, err := toMapWith(obj, types)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
	}
	delete(m, "status")
	stripNoise(m)
	return m, nil
}

// noiseKey reports fields whose Go types are non-pointer structs, so an unset value still
// serialises as {}; an empty one means exactly what an absent one means.
func noiseKey(k string) bool {
	switch k {
	case "resources", "strategy", "updateStrategy", "metadata", "status":
		return true
	}
	return false
}

// stripNoise removes `creationTimestamp: null` and empty noiseKey values at any depth.
func stripNoise(v any) {
	switch t := v.(type) {
	case map[string]any:
		if ts, ok := t["creationTimestamp"]; ok && ts == nil {
			delete(t, "creationTimestamp")
		}
		for k, child := range t {
			stripNoise(child)
			if m, isMap := child.(map[string]any); isMap && (noiseKey(k) && isEmpty(m) || k == "spec" && len(m) == 0) {
				// An empty spec (Namespace) is noise; a spec holding `podSelector: {}` is not.
				delete(t, k)
			}
		}
	case []any:
		for _, child := range t {
			stripNoise(child)
		}
	}
}

// isEmpty reports whether v is nil or a map holding only empty maps.
func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, c := range t {
			if !isEmpty(c) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

// encodeYAML renders one object as a YAML document with sorted keys: the bytes
// sigs.k8s.io/yaml.Marshal gives (TestYAMLMatchesSigsYAML), without that package's JSON
// round trip (marshal, parse, re-emit) and, for what berth writes, without the generic
// encoder's reflection (marshalYAML).
func encodeYAML(obj convert.Object) ([]byte, error) { return encodeYAMLWith(obj, &renderCache{}) }

// renderCache is what the documents of one render share, from any goroutine: the scalar text
// of strings that needed goyaml, and the JSON layout of Go types.
type renderCache struct {
	strs  sync.Map
	types typeCache
}

// encodeYAMLWith is encodeYAML with the caches of one render.
func encodeYAMLWith(obj convert.Object, c *renderCache) ([]byte, error) {
	m, err := unstructuredWith(obj, &c.types)
	if err != nil {
		return nil, err
	}
	return marshalYAML(m, &c.strs)
}

// encodeJSON renders v as indented JSON with sorted keys and a trailing newline. HTML
// characters are not escaped: the output is read by people and kubectl, not browsers.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// yamlFormat is plain YAML; check, when set, sees every object's map before it is encoded.
type yamlFormat struct {
	check func(convert.Object, map[string]any) error
}

// WithCheck returns format calling check with each object's unstructured form, the map the
// encoder writes, before encoding it (from any goroutine; an error fails the render), and
// whether format supports that (plain YAML does). berth's self-check reads the maps this way
// instead of converting every object a second time.
func WithCheck(format Format, check func(convert.Object, map[string]any) error) (Format, bool) {
	y, ok := format.(yamlFormat)
	if !ok {
		return format, false
	}
	y.check = check
	return y, true
}

// encode renders one object (encodeYAML), after the check.
func (y yamlFormat) encode(obj convert.Object, c *renderCache) ([]byte, error) {
	if y.check == nil {
		return encodeYAMLWith(obj, c)
	}
	m, err := unstructuredWith(obj, &c.types)
	if err != nil {
		return nil, err
	}
	if err := y.check(obj, m); err != nil {
		return nil, err
	}
	return marshalYAML(m, &c.strs)
}

// Dir renders one YAML file per object.
func (y yamlFormat) Dir(objs []convert.Object) (Files, error) {
	var c renderCache
	return dirFiles(objs, ".yaml", func(o convert.Object) ([]byte, error) { return y.encode(o, &c) })
}

// Stream renders all objects as one multi-document YAML stream in the given order.
func (y yamlFormat) Stream(objs []convert.Object) ([]byte, error) {
	docs := make([][]byte, len(objs))
	var c renderCache
	err := Each(len(objs), func(i int) error {
		var err error
		docs[i], err = y.encode(objs[i], &c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return bytes.Join(docs, []byte("---\n")), nil
}

type jsonFormat struct{}

// Dir renders one JSON file per object.
func (jsonFormat) Dir(objs []convert.Object) (Files, error) {
	var types typeCache
	return dirFiles(objs, ".json", func(o convert.Object) ([]byte, error) {
		m, err := unstructuredWith(o, &types)
		if err != nil {
			return nil, err
		}
		return encodeJSON(m)
	})
}

// Stream renders all objects as one v1 List, the shape kubectl reads and writes.
func (jsonFormat) Stream(objs []convert.Object) ([]byte, error) {
	items := make([]any, 0, len(objs))
	var types typeCache
	for _, o := range objs {
		m, err := unstructuredWith(o, &types)
		if err != nil {
			return nil, err
		}
		items = append(items, m)
	}
	return encodeJSON(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}
