package compose

import (
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"go.yaml.in/yaml/v4"
)

// inode is one field path of the merged input: what the files say after overrides, extends
// and includes, with the position of the last definition. Children keep first-seen order.
type inode struct {
	seg   string // ".name" or "[3]"
	pos   diag.Pos
	node  *yaml.Node
	leaf  bool
	kids  []*inode
	index map[string]*inode
	// nlist is the next index when list items are appended (lists concatenate across files,
	// as compose merges them).
	nlist int
}

func (n *inode) child(seg string) *inode {
	if c, ok := n.index[seg]; ok {
		return c
	}
	if n.index == nil {
		n.index = map[string]*inode{}
	}
	c := &inode{seg: seg}
	n.index[seg] = c
	n.kids = append(n.kids, c)
	return c
}

func (n *inode) get(seg string) *inode {
	if n == nil {
		return nil
	}
	return n.index[seg]
}

func (n *inode) kidsOrNil() []*inode {
	if n == nil {
		return nil
	}
	return n.kids
}

func (n *inode) remove(seg string) {
	if _, ok := n.index[seg]; !ok {
		return
	}
	delete(n.index, seg)
	for i, c := range n.kids {
		if c.seg == seg {
			n.kids = append(n.kids[:i], n.kids[i+1:]...)
			break
		}
	}
}

func (n *inode) clear() {
	n.kids, n.index, n.nlist = nil, nil, 0
}

// maxVisits bounds the work of one walk (anchors can multiply a small file).
const maxVisits = 5_000_000

// walker builds the merged input tree from YAML nodes.
type walker struct {
	fs     *fileSet
	root   *inode
	visits int
	// err is the first file refused by yamlcheck.
	err error
	// expand interpolates include/extends file paths.
	expand func(string) string
}

// atomic lists are one input field each; keyed lists are addressed by their keys.
var (
	atomicLists = map[string]bool{"command": true, "entrypoint": true, "test": true}
	keyedLists  = map[string]bool{
		"environment": true, "labels": true, "sysctls": true, "annotations": true,
		"args": true, "depends_on": true, "networks": true,
	}
)

func nodePos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Column: n.Column}
}

// walk records val (the value of key, which may be nil for list items) at n.
func (w *walker) walk(f *yamlFile, key, val *yaml.Node, n *inode, last string, underLeaf bool) {
	w.visits++
	if w.visits > maxVisits {
		return
	}
	val = deref(val)
	if val != nil && val.Tag == "!override" {
		n.clear()
	}
	switch {
	case val == nil || val.Kind == yaml.ScalarNode || key == nil:
		n.pos = nodePos(f.name, val)
	default:
		n.pos = nodePos(f.name, key)
	}
	n.node = val
	// The last definition decides whether the field is one input or a group of them.
	leaf := !underLeaf && (isLeaf(val, last) || strings.HasSuffix(last, "[]") || keyedLists[parentKey(last)])
	n.leaf = leaf
	under := underLeaf || leaf
	if val == nil {
		return
	}
	switch val.Kind {
	case yaml.MappingNode:
		w.walkMapping(f, val, n, last, under, 0)
	case yaml.SequenceNode:
		w.walkSequence(f, val, n, last, under)
	}
}

func isLeaf(val *yaml.Node, last string) bool {
	if val == nil || val.Kind == yaml.ScalarNode {
		return true
	}
	if len(val.Content) == 0 || atomicLists[last] && val.Kind == yaml.SequenceNode {
		return true
	}
	return strings.HasPrefix(last, "x-") && last != "x-berth"
}

// walkMapping walks merge keys (<<) first, so that explicit keys win as in YAML.
func (w *walker) walkMapping(f *yamlFile, m *yaml.Node, n *inode, last string, under bool, depth int) {
	if depth > 16 {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" || m.Content[i].Tag == "!!str" && m.Content[i].Style != 0 {
			continue
		}
		src := deref(m.Content[i+1])
		if src == nil {
			continue
		}
		if src.Kind == yaml.MappingNode {
			w.walkMapping(f, src, n, last, under, depth+1)
		} else if src.Kind == yaml.SequenceNode {
			for _, s := range src.Content {
				if s = deref(s); s != nil && s.Kind == yaml.MappingNode {
					w.walkMapping(f, s, n, last, under, depth+1)
				}
			}
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Value == "<<" {
			continue
		}
		seg := "." + k.Value
		if dv := deref(v); dv != nil && dv.Tag == "!reset" {
			n.remove(seg)
			continue
		}
		child := k.Value
		if keyedLists[last] {
			child = last + ">" + k.Value
		}
		w.walk(f, k, v, n.child(seg), child, under)
	}
}

// parentKey returns the collection name of a keyed-collection member ("depends_on>db").
func parentKey(last string) string {
	p, _, ok := strings.Cut(last, ">")
	if !ok {
		return ""
	}
	return p
}

func (w *walker) walkSequence(f *yamlFile, s *yaml.Node, n *inode, last string, under bool) {
	keyed := keyedLists[last]
	for _, item := range s.Content {
		var c *inode
		if d := deref(item); keyed && d != nil && d.Kind == yaml.ScalarNode {
			k := d.Value
			if last != "depends_on" && last != "networks" {
				k, _, _ = strings.Cut(k, "=")
			}
			c = n.child("." + k)
		} else {
			c = n.child("[" + strconv.Itoa(n.nlist) + "]")
			n.nlist++
		}
		w.walk(f, nil, item, c, last+"[]", under)
	}
}

// flatten lists every path with its position, and the leaf-ish input fields in order.
func flatten(root *inode) (map[string]diag.Pos, []diag.Field) {
	pos := map[string]diag.Pos{}
	var fields []diag.Field
	var rec func(n *inode, path, svc string, inLeaf bool)
	rec = func(n *inode, path, svc string, inLeaf bool) {
		if path != "" {
			pos[path] = n.pos
			if n.leaf && !inLeaf {
				fields = append(fields, diag.Field{Service: svc, Path: path, Pos: n.pos})
			}
		}
		for _, c := range n.kids {
			p, s := path+c.seg, svc
			switch path {
			case "":
				p = c.seg[1:]
			case "services", "jobs": // a job's fields belong to it as a service's to the service
				s = c.seg[1:]
			}
			rec(c, p, s, inLeaf || n.leaf)
		}
	}
	rec(root, "", "", false)
	return pos, fields
}
