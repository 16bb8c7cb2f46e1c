package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/yamlcheck"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// node is one JSON value with the byte offset where it starts. Objects keep their members in
// input order (keys are case-sensitive, as ECS reads them).
type node struct {
	kind    kind
	off     int64
	str     string // string value or number literal
	boolean bool
	members []member
	elems   []*node
}

// member is one key of an object.
type member struct {
	key string
	off int64 // offset of the key
	val *node
}

// get returns the member named key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// parseSource reads file f into a tree with its line index; a syntax error names the file
// and, when known, the line and column.
func parseSource(f source) (*node, *lines, error) {
	ln := newLines(f.name, f.data)
	if err := yamlcheck.CheckSize(int64(len(f.data))); err != nil {
		return nil, ln, diag.Errorf(diag.Pos{File: f.name}, "", "", "%v", err)
	}
	root, err := parse(f.data)
	if err != nil {
		var oe *offsetError
		if errors.As(err, &oe) {
			return nil, ln, diag.Errorf(ln.pos(oe.off), "", "", "%s", oe.msg)
		}
		return nil, ln, diag.Errorf(diag.Pos{File: f.name}, "", "", "%v", err)
	}
	return root, ln, nil
}

// parse reads one JSON document into a tree. Errors carry a byte offset (*offsetError).
func parse(data []byte) (*node, error) {
	p := &parser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0, 0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &offsetError{off: p.next(), msg: "unexpected data after the top-level value"}
	}
	return n, nil
}

// offsetError is a syntax problem at a byte offset.
type offsetError struct {
	off int64
	msg string
}

func (e *offsetError) Error() string { return e.msg }

type parser struct {
	data []byte
	dec  *json.Decoder
	// pathBytes sums the lengths of the field paths of all values so far, which the decoder
	// builds: a long key above many values would cost its length for each of them.
	pathBytes int64
}

// next is the offset of the next token: after the previous one, past blanks, ':' and ','.
func (p *parser) next() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *parser) token() (json.Token, int64, error) {
	off := p.next()
	t, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, se.Offset, &offsetError{off: se.Offset, msg: "invalid JSON: " + se.Error()}
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, off, &offsetError{off: off, msg: "invalid JSON: unexpected end of input"}
		default:
			return nil, off, &offsetError{off: off, msg: "invalid JSON: " + err.Error()}
		}
	}
	return t, off, nil
}

// value reads one value at nesting level depth, whose field path is pathLen bytes long.
func (p *parser) value(depth int, pathLen int64) (*node, error) {
	t, off, err := p.token()
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, &offsetError{off: off, msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	if p.pathBytes += pathLen; p.pathBytes > maxPathBytes {
		return nil, &offsetError{off: off, msg: fmt.Sprintf("the field paths of this document would take more than %d MiB (its keys are too long for so many values)", maxPathBytes>>20)}
	}
	n := &node{off: off}
	switch v := t.(type) {
	case nil:
		n.kind = kNull
	case bool:
		n.kind, n.boolean = kBool, v
	case json.Number:
		n.kind, n.str = kNumber, string(v)
	case string:
		n.kind, n.str = kString, v
	case json.Delim:
		if v == '{' {
			return n, p.object(n, depth, pathLen)
		}
		return n, p.array(n, depth, pathLen)
	}
	return n, nil
}

func (p *parser) object(n *node, depth int, pathLen int64) error {
	n.kind = kObject
	for p.dec.More() {
		t, off, err := p.token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		val, err := p.value(depth+1, pathLen+int64(len(key))+1)
		if err != nil {
			return err
		}
		n.members = append(n.members, member{key: key, off: off, val: val})
	}
	_, _, err := p.token() // '}'
	return err
}

func (p *parser) array(n *node, depth int, pathLen int64) error {
	n.kind = kArray
	for p.dec.More() {
		val, err := p.value(depth+1, pathLen+int64(len(strconv.Itoa(len(n.elems))))+2)
		if err != nil {
			return err
		}
		n.elems = append(n.elems, val)
	}
	_, _, err := p.token() // ']'
	return err
}
