package render

// schemaDraft is the JSON Schema dialect of values.schema.json (Helm's validator reads it).
const schemaDraft = "http://json-schema.org/draft-07/schema#"

// schemaJSON renders values.schema.json from the same tree as values.yaml: objects with fixed
// fields reject unknown keys and require every field (so a mistyped --set path or a value
// nulled out fails `helm install`), leaves have their type, default and constraints.
func (n *valueNode) schemaJSON(title string) ([]byte, error) {
	s := n.schema()
	s["$schema"] = schemaDraft
	s["title"] = title
	// A parent chart passes `global` to its subcharts.
	s["properties"].(map[string]any)["global"] = map[string]any{"type": "object", "description": "Values a parent chart shares with its subcharts."}
	return encodeJSON(s)
}

// schema is the JSON Schema of n.
func (n *valueNode) schema() map[string]any {
	s := map[string]any{}
	if n.doc != "" {
		s["description"] = n.doc
	}
	switch {
	case n.fields != nil:
		props := map[string]any{}
		required := make([]string, 0, len(n.fields))
		for _, k := range n.sortedFields() {
			props[k] = n.fields[k].schema()
			if !n.fields[k].optional {
				required = append(required, k)
			}
		}
		s["type"], s["properties"], s["additionalProperties"] = "object", props, false
		if len(required) > 0 {
			s["required"] = required
		}
	case n.entry != nil:
		s["type"], s["additionalProperties"], s["default"] = "object", n.entry, n.def
	default:
		s["type"] = n.typ
		if !n.optional {
			s["default"] = n.def
		}
		for k, v := range n.extra {
			s[k] = v
		}
	}
	return s
}
