package ecs

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// CloudFormation templates are usually YAML. parseYAML reads one YAML document into the same
// tree as parse, so that decoding, positions and errors work alike; the short-form intrinsic
// tags (!Ref X, !Sub "...", !GetAtt A.B, ...) become their long form ({"Ref": "X"}, ...).

var yamlLineRE = lazyRegexp(`line (\d+)`)

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
		off := int64(0)
		if m := yamlLineRE().FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			off = ln.offset(line, 1)
		}
		return nil, &offsetError{off: off, msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &offsetError{msg: "empty YAML document"}
	}
	return fromYAML(doc.Content[0], ln, 0)
}

// fromYAML converts a YAML node (depth-bounded: aliases can make a small document deep).
func fromYAML(y *yaml.Node, ln *lines, depth int) (*node, error) {
	off := ln.offset(y.Line, y.Column)
	if depth > maxDepth {
		return nil, &offsetError{off: off, msg: "nesting (or alias expansion) deeper than " + strconv.Itoa(maxDepth) + " levels"}
	}
	if y.Kind == yaml.AliasNode && y.Alias != nil {
		return fromYAML(y.Alias, ln, depth+1)
	}
	if tag := y.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		inner := *y
		inner.Tag = ""
		val, err := fromYAML(&inner, ln, depth+1)
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
			val, err := fromYAML(v, ln, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: k.Value, off: ln.offset(k.Line, k.Column), val: val})
		}
	case yaml.SequenceNode:
		n.kind = kArray
		for _, e := range y.Content {
			val, err := fromYAML(e, ln, depth+1)
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

// offset is the byte offset of a 1-based line and character column.
func (l *lines) offset(line, col int) int64 {
	if line < 1 || line > len(l.start) {
		return 0
	}
	off := l.start[line-1]
	for c := 1; c < col && off < int64(len(l.data)) && l.data[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(l.data[off:])
		off += int64(size)
	}
	return off
}
