package render

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The walker builds an object's JSON-shaped map straight from its Go value, with
// encoding/json's rules: field names and omitempty from the json tags, embedded structs
// inlined, json.Marshaler and encoding.TextMarshaler honoured, []byte as base64. It looks
// only at the types the value holds: json.Marshal first prepares an encoder for every type
// the object's type can reach (a PodSpec reaches some 200 structs), which was most of a small
// project's rendering time. Tags the walker does not handle (",string", "omitzero") and
// ambiguous embedded fields make ToMap use JSON marshalling instead (errUseJSON).

var (
	errUseJSON        = errors.New("value needs encoding/json")
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// jsonField is one struct field as JSON shows it.
type jsonField struct {
	index     []int // through embedded structs
	name      string
	omitEmpty bool
	omitZero  bool
}

// typeCache remembers each type's JSON fields and whether it marshals itself. One serves all
// the objects of a render, from any goroutine; the zero value is ready.
type typeCache struct {
	structs    sync.Map // reflect.Type → []jsonField
	marshalers sync.Map // reflect.Type → marshals
}

// walker converts one value.
type walker struct {
	cache *typeCache
}

// marshals says which of a type's values marshal themselves.
type marshals uint8

const (
	marshalsNot  marshals = iota + 1
	marshalsAddr          // an addressable value, through its pointer
	marshalsSelf
)

func (w *walker) marshals(t reflect.Type) marshals {
	if m, ok := w.cache.marshalers.Load(t); ok {
		return m.(marshals)
	}
	m := marshalsNot
	switch k := t.Kind(); {
	case t.PkgPath() == "" && k != reflect.Struct && k != reflect.Pointer && k != reflect.Interface:
		// Predeclared and unnamed types other than these have no methods; looking up their
		// pointer type by name is what Implements would cost most.
	case k != reflect.Pointer && byteMarshals(t):
		m = marshalsAddr // the pointer's method set includes the value's
	case t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType):
		m = marshalsSelf
	}
	w.cache.marshalers.Store(t, m)
	return m
}

func (w *walker) value(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	t := v.Type()
	switch w.marshals(t) {
	case marshalsAddr:
		if v.CanAddr() {
			return w.marshaled(v.Addr())
		}
		if t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) {
			return w.marshaled(v)
		}
	case marshalsSelf:
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return nil, nil
		}
		return w.marshaled(v)
	}
	switch t.Kind() {
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return number(json.Number(strconv.FormatUint(v.Uint(), 10)))
	case reflect.Float32, reflect.Float64:
		return jsonFloat(v.Float(), t.Bits())
	case reflect.String:
		return validUTF8(v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return w.value(v.Elem())
	case reflect.Map:
		return w.mapValue(v)
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 && w.marshals(t.Elem()) == marshalsNot {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
		return w.list(v)
	case reflect.Array:
		return w.list(v)
	case reflect.Struct:
		return w.structValue(v)
	}
	return nil, fmt.Errorf("json: unsupported type: %s", t)
}

// byteMarshals reports whether values of t marshal themselves through their pointer.
func byteMarshals(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(jsonMarshalerType) || pt.Implements(textMarshalerType)
}

// marshaled is what v's MarshalJSON (or MarshalText, as a string) gives, as ToMap decodes it.
func (w *walker) marshaled(v reflect.Value) (any, error) {
	if m, ok := v.Interface().(json.Marshaler); ok {
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if v, ok := simpleJSON(b); ok {
			return v, nil
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var out any
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("json: error calling MarshalJSON for type %s: %w", v.Type(), err)
		}
		return fixNumber(out)
	}
	b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return nil, err
	}
	return validUTF8(string(b)), nil
}

// simpleJSON decodes the common results of MarshalJSON (a quantity, a port name or number, a
// time) without a decoder: null, a string without escapes, an integer.
func simpleJSON(b []byte) (any, bool) {
	switch {
	case string(b) == "null":
		return nil, true
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && !bytes.ContainsAny(b[1:len(b)-1], "\\\""):
		for _, c := range b[1 : len(b)-1] {
			if c < 0x20 {
				return nil, false // invalid JSON: the decoder says so
			}
		}
		return validUTF8(string(b[1 : len(b)-1])), true
	}
	if i, err := strconv.ParseInt(string(b), 10, 64); err == nil && strconv.FormatInt(i, 10) == string(b) {
		return i, true
	}
	return nil, false
}

// fixNumber applies fixNumbers to a decoded value of any shape.
func fixNumber(v any) (any, error) {
	if n, ok := v.(json.Number); ok {
		return number(n)
	}
	return v, fixNumbers(v)
}

func (w *walker) list(v reflect.Value) (any, error) {
	out := make([]any, v.Len())
	for i := range out {
		x, err := w.value(v.Index(i))
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (w *walker) mapValue(v reflect.Value) (any, error) {
	if v.IsNil() {
		return nil, nil
	}
	out := make(map[string]any, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		x, err := w.value(it.Value())
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}

// mapKey is a map key as JSON writes it.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return validUTF8(k.String()), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return validUTF8(string(b)), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("json: unsupported map key type: %s", k.Type())
}

func (w *walker) structValue(v reflect.Value) (any, error) {
	fields, err := w.fields(v.Type())
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range fields {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && isEmptyJSON(fv)) || (f.omitZero && isZeroJSON(fv)) {
			continue
		}
		x, err := w.value(fv)
		if err != nil {
			return nil, err
		}
		out[f.name] = x
	}
	return out, nil
}

// fieldByIndex follows index through embedded structs; false when an embedded pointer is nil.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isZeroer is the method encoding/json's omitzero asks a value first.
type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// isZeroJSON is encoding/json's omitzero test: the type's IsZero method when it has one (nil
// pointers and interfaces are zero), else the zero value of the type.
func isZeroJSON(v reflect.Value) bool {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) || v.Interface().(isZeroer).IsZero()
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return v.IsNil() || v.Interface().(isZeroer).IsZero()
	case t.Implements(isZeroerType):
		return v.Interface().(isZeroer).IsZero()
	case reflect.PointerTo(t).Implements(isZeroerType):
		if !v.CanAddr() {
			c := reflect.New(t).Elem()
			c.Set(v)
			v = c
		}
		return v.Addr().Interface().(isZeroer).IsZero()
	}
	return v.IsZero()
}

// isEmptyJSON is encoding/json's omitempty test.
func isEmptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// jsonFloat is f as encoding/json writes it, read back as ToMap reads numbers.
func jsonFloat(f float64, bits int) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	return number(json.Number(strconv.FormatFloat(f, format, -1, bits)))
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
