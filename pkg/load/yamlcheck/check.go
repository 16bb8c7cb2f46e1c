// Package yamlcheck bounds the work of walking a parsed YAML document. berth reads Compose
// files and CloudFormation templates as yaml.Node trees to learn source positions, and an alias
// (a merge key `<<: *a` is one too) makes a node reachable from several places: a small
// document can be cyclic, or exponentially large once its aliases are followed. Check measures
// a document as every walker that follows aliases sees it, in time and memory linear in the
// document, and refuses it before any such walk starts.
package yamlcheck

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// Limits bound a document as seen with its aliases expanded.
type Limits struct {
	// MaxDepth is the deepest nesting allowed, counting levels reached through aliases.
	MaxDepth int
	// MaxPathBytes bounds the total length of the field paths of all expanded nodes
	// ("services.web.environment.A" is 26 bytes): what an index of every field costs.
	MaxPathBytes int64
	// MaxTextBytes bounds the text of all scalars, aliases expanded: a decoder copies an
	// aliased scalar wherever it transforms it (compose-go interpolates each copy).
	MaxTextBytes int64
}

// MaxFileBytes is the largest input file berth reads (Compose, ECS, CloudFormation). Real
// ones are far smaller: ECS caps a task definition at 64 KiB and CloudFormation a template at
// 1 MB.
const MaxFileBytes = 8 << 20

// CheckSize refuses data larger than MaxFileBytes.
func CheckSize(size int64) error {
	if size > MaxFileBytes {
		return &Error{Msg: fmt.Sprintf("the file is %s; berth reads files of up to %s", mib(size), mib(MaxFileBytes))}
	}
	return nil
}

// mib formats a size in MiB (KiB or bytes when smaller).
func mib(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Error is a refused document: what is wrong and where (1-based line and column; 0 when the
// problem is the whole file).
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// saturate is where counts stop growing: an alias bomb's real size does not fit an int64.
const saturate = int64(1) << 50

// stat is the size of a node's subtree with its aliases expanded.
type stat struct {
	nodes     int64 // nodes, the root included
	pathBytes int64 // the sum of the descendants' path lengths relative to the root
	text      int64 // the bytes of the scalars
	height    int   // levels, the root included
}

type state uint8

const (
	unseen state = iota
	open         // on the walk's stack: an alias to it is a cycle
	done
)

type checker struct {
	lim Limits
	// anchors memoizes the anchored nodes (the only ones an alias can reach), so each
	// subtree is measured once; states finds the anchors being measured.
	anchors map[*yaml.Node]stat
	states  map[*yaml.Node]state
	// nodes counts the nodes of the document itself (aliases included), aliased the nodes
	// aliases stand for, in document order, as go-yaml counts them when it decodes.
	nodes, aliased int64
	// text is the scalar text so far, aliases expanded.
	text int64
}

// Check measures doc (a document or any node) and returns an *Error for the first problem in
// document order: an alias cycle, excessive aliasing (go-yaml's own rule for decoding, applied
// to every walk, and text beyond MaxTextBytes), nesting deeper than MaxDepth, or field paths
// beyond MaxPathBytes.
func Check(doc *yaml.Node, lim Limits) error {
	c := &checker{lim: lim, anchors: map[*yaml.Node]stat{}, states: map[*yaml.Node]state{}}
	s, err := c.measure(doc, 1)
	if err != nil {
		return err
	}
	if s.pathBytes > lim.MaxPathBytes {
		return &Error{Line: doc.Line, Column: doc.Column, Msg: fmt.Sprintf(
			"the document is too large: the field paths of its nodes, aliases expanded, would take %s (the limit is %s)",
			atLeast(s.pathBytes, mib), mib(lim.MaxPathBytes))}
	}
	return nil
}

func atLeast(n int64, format func(int64) string) string {
	if n >= saturate {
		return "more than " + format(saturate)
	}
	return format(n)
}

// measure returns the expanded size of n, found at nesting level depth.
func (c *checker) measure(n *yaml.Node, depth int) (stat, error) {
	if n == nil {
		return stat{}, nil
	}
	if depth > c.lim.MaxDepth {
		return stat{}, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("nesting deeper than %d levels (aliases included)", c.lim.MaxDepth)}
	}
	if n.Kind == yaml.AliasNode {
		c.nodes++ // go-yaml counts the alias node itself, then what it stands for
		return c.alias(n, depth)
	}
	if s, ok := c.anchors[n]; ok {
		return s, nil
	}
	c.nodes++
	if n.Anchor != "" {
		c.states[n] = open
	}
	s := stat{nodes: 1, height: 1, text: int64(len(n.Value))}
	if n.Kind == yaml.ScalarNode {
		c.text = add(c.text, s.text)
	}
	for i, kid := range n.Content {
		ks, err := c.measure(kid, depth+1)
		if err != nil {
			return stat{}, err
		}
		seg := int64(0)
		switch n.Kind {
		case yaml.MappingNode:
			if i%2 == 1 {
				seg = int64(len(keyText(n.Content[i-1]))) + 1
			}
		case yaml.SequenceNode:
			seg = int64(len(strconv.Itoa(i))) + 2
		}
		s.nodes = add(s.nodes, ks.nodes)
		s.text = add(s.text, ks.text)
		s.pathBytes = add(s.pathBytes, add(ks.pathBytes, mul(seg, ks.nodes)))
		s.height = max(s.height, ks.height+1)
	}
	if n.Anchor != "" {
		c.states[n] = done
		c.anchors[n] = s
	}
	return s, nil
}

// alias measures the node an alias stands for and applies go-yaml's aliasing rule.
func (c *checker) alias(n *yaml.Node, depth int) (stat, error) {
	t := n.Alias
	if t == nil {
		return stat{}, nil
	}
	if c.states[t] == open {
		return stat{}, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(
			"alias *%s is inside its own anchor &%s (line %d, column %d): the document would be infinite",
			n.Value, t.Anchor, t.Line, t.Column)}
	}
	s, err := c.measure(t, depth)
	if err != nil {
		return stat{}, err
	}
	if s.height+depth-1 > c.lim.MaxDepth {
		return stat{}, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(
			"nesting deeper than %d levels once alias *%s is expanded", c.lim.MaxDepth, n.Value)}
	}
	if c.text = add(c.text, s.text); c.text > c.lim.MaxTextBytes {
		return stat{}, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(
			"excessive aliasing: alias *%s stands for %s of text, and the document's text with its aliases expanded exceeds %s",
			n.Value, atLeast(s.text, mib), mib(c.lim.MaxTextBytes))}
	}
	c.aliased = add(c.aliased, s.nodes)
	total := add(c.nodes, c.aliased)
	if c.aliased > 100 && total > 1000 && float64(c.aliased)/float64(total) > allowedAliasRatio(total) {
		return stat{}, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(
			"excessive aliasing: alias *%s stands for %s nodes and aliases so far for %s, in a document of %d nodes",
			n.Value, atLeast(s.nodes, itoa), atLeast(c.aliased, itoa), c.nodes)}
	}
	return s, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// keyText is the text of a mapping key (an alias key stands for its anchor's text).
func keyText(k *yaml.Node) string {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	return k.Value
}

// allowedAliasRatio is go-yaml's (go.yaml.in/yaml/v4, internal/libyaml/constructor.go): the
// share of decoded nodes that may come from aliases, 99% for documents of up to 400 000
// nodes, falling to 10% at 4 000 000.
func allowedAliasRatio(count int64) float64 {
	const low, high = 400_000, 4_000_000
	switch {
	case count <= low:
		return 0.99
	case count >= high:
		return 0.10
	default:
		return 0.99 - 0.89*(float64(count-low)/float64(high-low))
	}
}

func add(a, b int64) int64 {
	if a+b > saturate || a+b < 0 {
		return saturate
	}
	return a + b
}

func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturate/b {
		return saturate
	}
	return min(a*b, saturate)
}
