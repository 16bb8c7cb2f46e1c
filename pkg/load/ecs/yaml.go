package ecs

import (
	"errors"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/load/yamlcheck"
	"go.yaml.in/yaml/v4"
)

// CloudFormation templates are usually YAML. parseYAML reads one YAML document into the same
// tree as parse, so that decoding, positions and errors work alike; the short-form intrinsic
// tags (!Ref X, !Sub "...", !GetAtt A.B, ...) become their long form ({"Ref": "X"}, ...).

// isYAML says whether data is not a JSON document (its first non-blank byte opens none).
func isYAML(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[', '"':
			return false
		}
		return true
	}
	return false
}

func parseYAML(data []byte, ln *lines) (*node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		mark, msg, ok := yamlcheck.LoadErrorAt(err)
		if !ok {
			return nil, &offsetError{msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		off := mark.Offset
		if mark.Line > 0 {
			off = ln.offset(mark.Line, mark.Column)
		}
		return nil, &offsetError{off: off, msg: "invalid YAML: " + msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &offsetError{msg: "empty YAML document"}
	}
	// Aliases make a tree a graph: refuse cycles and bombs before anything follows them.
	if err := yamlcheck.Check(doc.Content[0], yamlcheck.Limits{MaxDepth: maxDepth + 1, MaxPathBytes: maxPathBytes, MaxTextBytes: maxTextBytes}); err != nil {
		var ce *yamlcheck.Error
		if errors.As(err, &ce) {
			return nil, &offsetError{off: ln.offset(ce.Line, ce.Column), msg: ce.Msg}
		}
		return nil, err
	}
	c := &yamlConverter{ln: ln, anchors: map[*yaml.Node]*node{}}
	return c.convert(doc.Content[0], 0)
}

// maxPathBytes bounds the field paths of a YAML document with its aliases expanded, which the
// decoder builds (yamlcheck.Limits).
const maxPathBytes = 64 << 20

// maxTextBytes bounds the scalar text of a YAML document with its aliases expanded.
const maxTextBytes = 32 << 20

// yamlConverter converts YAML nodes; an anchored node is converted once and shared by its
// aliases (nothing modifies a node after parsing).
type yamlConverter struct {
	ln      *lines
	anchors map[*yaml.Node]*node
}

// convert converts a YAML node (depth-bounded: aliases can make a small document deep).
func (c *yamlConverter) convert(y *yaml.Node, depth int) (*node, error) {
	off := c.ln.offset(y.Line, y.Column)
	if depth > maxDepth {
		return nil, &offsetError{off: off, msg: "nesting (or alias expansion) deeper than " + strconv.Itoa(maxDepth) + " levels"}
	}
	if y.Kind == yaml.AliasNode && y.Alias != nil {
		return c.convert(y.Alias, depth+1)
	}
	if n, ok := c.anchors[y]; ok {
		return n, nil
	}
	n, err := c.convertNode(y, off, depth)
	if err == nil && y.Anchor != "" {
		c.anchors[y] = n
	}
	return n, err
}

func (c *yamlConverter) convertNode(y *yaml.Node, off int64, depth int) (*node, error) {
	if tag := y.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		inner := *y
		inner.Tag, inner.Anchor = "", ""
		val, err := c.convert(&inner, depth+1)
		if err != nil {
			return nil, err
		}
		key := "Fn::" + tag[1:]
		if tag == "!Ref" || tag == "!Condition" {
			key = tag[1:]
		}
		return &node{kind: kObject, off: off, members: []member{{key: key, off: off, val: val}}}, nil
	}
	n := &node{off: off}
	switch y.Kind {
	case yaml.ScalarNode:
		scalar(n, y)
	case yaml.MappingNode:
		n.kind = kObject
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			val, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: k.Value, off: c.ln.offset(k.Line, k.Column), val: val})
		}
	case yaml.SequenceNode:
		n.kind = kArray
		for _, e := range y.Content {
			val, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, val)
		}
	default:
		n.kind = kNull
	}
	return n, nil
}

// scalar types a YAML scalar as JSON would: null, boolean, number or string.
func scalar(n *node, y *yaml.Node) {
	switch y.ShortTag() {
	case "!!null":
		n.kind = kNull
	case "!!bool":
		n.kind, n.boolean = kBool, strings.EqualFold(y.Value, "true")
	case "!!int", "!!float":
		n.kind, n.str = kNumber, y.Value
	default:
		n.kind, n.str = kString, y.Value
	}
}
