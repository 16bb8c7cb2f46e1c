package ecs

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
)

// fieldError is a decoding problem at a field path and byte offset; the loader turns it into a
// diag.Err naming file:line:col, container and field.
type fieldError struct {
	path string
	off  int64
	msg  string
}

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

// nodeSetter is implemented by types that accept more than one JSON form.
type nodeSetter interface {
	setNode(n *node) error
}

// decoder fills berth's ECS structs from a parsed tree, strictly: keys are case-sensitive,
// unknown keys and wrong types are errors, null means absent. It records every field it sees
// (the report accounts for each) and its position.
type decoder struct {
	lines *lines
	// cfn: CloudFormation property names (PascalCase) and CloudFormation's lenient scalars
	// ("80" for an integer, "true" for a boolean); intrinsic functions become warnings or errors.
	cfn     bool
	service string
	fields  []diag.Field
	warns   diag.List
	// lenient skips unknown keys (describe-services output carries many read-only fields).
	lenient bool
	// offs holds the offset of every member and element, composite or not, by path.
	offs map[string]int64
}

func join(path, key string) string {
	if path == "" || strings.HasSuffix(path, ":") {
		return path + key
	}
	return path + "." + key
}

func (d *decoder) errf(n *node, path, format string, args ...any) error {
	return &fieldError{path: path, off: n.off, msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) record(path string, off int64) {
	d.fields = append(d.fields, diag.Field{Service: d.service, Path: path, Pos: d.lines.pos(off)})
}

func (d *decoder) warn(off int64, path, msg string) {
	d.warns = append(d.warns, diag.Diagnostic{Severity: diag.Warning, Pos: d.lines.pos(off), Service: d.service, Field: path, Message: msg})
}

// key is the input name of a struct field in the current dialect ("" = not accepted).
func (d *decoder) key(f reflect.StructField) string {
	name := f.Tag.Get("json")
	if !d.cfn {
		return name
	}
	if c, ok := f.Tag.Lookup("cfn"); ok {
		if c == "-" {
			return ""
		}
		return c
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// decode fills v (addressable) from n. path names n in the input.
func (d *decoder) decode(n *node, v reflect.Value, path string) error {
	if n.kind == kNull {
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	if d.cfn && isIntrinsic(n) {
		return d.intrinsic(n, v, path)
	}
	if s, ok := v.Addr().Interface().(nodeSetter); ok {
		if err := s.setNode(n); err != nil {
			return d.errf(n, path, "%v", err)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return d.decode(n, v.Elem(), path)
	case reflect.Struct:
		return d.object(n, v, path)
	case reflect.Slice:
		return d.slice(n, v, path)
	case reflect.Map:
		return d.stringMap(n, v, path)
	case reflect.String:
		s, err := d.str(n, path)
		v.SetString(s)
		return err
	case reflect.Int64:
		i, err := d.integer(n, path)
		v.SetInt(i)
		return err
	case reflect.Bool:
		b, err := d.boolean(n, path)
		v.SetBool(b)
		return err
	}
	return d.errf(n, path, "unsupported field type %s", v.Type())
}

func (d *decoder) object(n *node, v reflect.Value, path string) error {
	if n.kind != kObject {
		return d.errf(n, path, "want an object, got %s", d.describe(n, path))
	}
	t := v.Type()
	index := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if k := d.key(t.Field(i)); k != "" {
			index[k] = i
		}
	}
	seen := make(map[string]bool, len(n.members))
	for _, m := range n.members {
		p := join(path, m.key)
		i, ok := index[m.key]
		if !ok && d.lenient {
			continue
		}
		if !ok {
			return &fieldError{path: p, off: m.off, msg: unknownKey(m.key, index)}
		}
		if seen[m.key] {
			d.warn(m.off, p, fmt.Sprintf("duplicate key %q: the last one wins", m.key))
		}
		seen[m.key] = true
		d.offs[p] = m.off
		if !composite(m.val, t.Field(i).Type) {
			d.record(p, m.off)
			if empty(m.val) {
				d.fields[len(d.fields)-1].Empty = true
			}
		}
		if err := d.decode(m.val, v.Field(i), p); err != nil {
			return err
		}
	}
	return nil
}

// composite says whether a member's value is recursed into (its children are the recorded
// fields) rather than recorded as one field: non-empty objects mapped to structs and non-empty
// arrays of structs.
func composite(n *node, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice {
			if n.kind != kArray || len(n.elems) == 0 {
				return false
			}
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(reflect.TypeOf((*nodeSetter)(nil)).Elem()) {
		return false
	}
	if n.kind == kObject {
		return len(n.members) > 0
	}
	return n.kind == kArray
}

// empty says whether n declares nothing: null, [] or {}.
func empty(n *node) bool {
	switch n.kind {
	case kNull:
		return true
	case kArray:
		return len(n.elems) == 0
	case kObject:
		return len(n.members) == 0
	}
	return false
}

func unknownKey(key string, index map[string]int) string {
	known := make([]string, 0, len(index))
	for k := range index {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("unknown field %q (did you mean %q? keys are case-sensitive)", key, k)
		}
		known = append(known, k)
	}
	sort.Strings(known)
	if len(known) > 12 {
		return fmt.Sprintf("unknown field %q", key)
	}
	return fmt.Sprintf("unknown field %q (known: %s)", key, strings.Join(known, ", "))
}

func (d *decoder) slice(n *node, v reflect.Value, path string) error {
	if n.kind != kArray {
		return d.errf(n, path, "want an array, got %s", d.describe(n, path))
	}
	s := reflect.MakeSlice(v.Type(), len(n.elems), len(n.elems))
	for i, e := range n.elems {
		d.offs[fmt.Sprintf("%s[%d]", path, i)] = e.off
		if err := d.decode(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func (d *decoder) stringMap(n *node, v reflect.Value, path string) error {
	if n.kind != kObject {
		return d.errf(n, path, "want an object of strings, got %s", d.describe(n, path))
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.members))
	for _, mem := range n.members {
		s, err := d.str(mem.val, path+"["+strconv.Quote(mem.key)+"]")
		if err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(mem.key), reflect.ValueOf(s))
	}
	v.Set(m)
	return nil
}

func (d *decoder) str(n *node, path string) (string, error) {
	switch {
	case n.kind == kString:
		return n.str, nil
	case d.cfn && (n.kind == kNumber || n.kind == kBool):
		return scalarText(n), nil
	case d.cfn && isIntrinsic(n):
		return d.placeholder(n, path)
	}
	return "", d.errf(n, path, "want a string, got %s", d.describe(n, path))
}

func (d *decoder) integer(n *node, path string) (int64, error) {
	text := n.str
	if n.kind != kNumber && !(d.cfn && n.kind == kString) {
		return 0, d.errf(n, path, "want an integer, got %s", d.describe(n, path))
	}
	i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(text, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < math.MaxInt32 {
			return int64(f), nil
		}
		return 0, d.errf(n, path, "want an integer, got %s", d.describe(n, path))
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, d.errf(n, path, "%d is out of range for an ECS integer", i)
	}
	return i, nil
}

func (d *decoder) boolean(n *node, path string) (bool, error) {
	switch {
	case n.kind == kBool:
		return n.boolean, nil
	case d.cfn && n.kind == kString && (n.str == "true" || n.str == "false"):
		return n.str == "true", nil
	}
	return false, d.errf(n, path, "want true or false, got %s", d.describe(n, path))
}

// describe is describe(n) without the value under fields that may hold secrets (environment
// values, secret references, log options, labels): an error must not print a secret.
func (d *decoder) describe(n *node, path string) string {
	lower := strings.ToLower(path)
	for _, s := range []string{"environment", "secret", "options", "labels", "credentials"} {
		if strings.Contains(lower, s) {
			return n.kind.String()
		}
	}
	return describe(n)
}

// describe names a node's type and, for scalars, its value, for error messages.
func describe(n *node) string {
	switch n.kind {
	case kString:
		s := n.str
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return "string " + strconv.Quote(s)
	case kNumber:
		s := n.str
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return "number " + s
	case kBool:
		return "boolean " + strconv.FormatBool(n.boolean)
	}
	return n.kind.String()
}

func scalarText(n *node) string {
	if n.kind == kBool {
		return strconv.FormatBool(n.boolean)
	}
	return n.str
}

// units is a task-level cpu or memory value: ECS accepts a number ("1024") or a string with a
// unit ("1 vcpu", ".5 GB"), and CloudFormation and the console accept a JSON number too.
type units struct {
	Text string
}

func (u *units) setNode(n *node) error {
	if n.kind != kString && n.kind != kNumber {
		return fmt.Errorf("want a string such as \"1024\" or \"1 vcpu\", got %s", describe(n))
	}
	u.Text = n.str
	return nil
}

// anyValue accepts any JSON value (read-only timestamps, whose form varies by tool).
type anyValue struct{}

func (*anyValue) setNode(*node) error { return nil }
