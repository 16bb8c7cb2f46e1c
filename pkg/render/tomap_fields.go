package render

import (
	"reflect"
	"strings"
	"unicode"
)

// fields lists t's JSON fields (struct order; embedded structs inlined). Two fields with one
// name, which encoding/json settles by depth and tags, make the caller use JSON marshalling.
func (w *walker) fields(t reflect.Type) ([]jsonField, error) {
	if f, ok := w.cache.structs.Load(t); ok {
		return f.([]jsonField), nil
	}
	var out []jsonField
	if err := collectFields(t, nil, &out, map[reflect.Type]bool{}); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(out))
	for _, f := range out {
		if seen[f.name] {
			return nil, errUseJSON
		}
		seen[f.name] = true
	}
	w.cache.structs.Store(t, out)
	return out, nil
}

// collectFields appends t's fields, with index paths starting at prefix.
func collectFields(t reflect.Type, prefix []int, out *[]jsonField, inside map[reflect.Type]bool) error {
	if inside[t] {
		return errUseJSON
	}
	inside[t] = true
	defer delete(inside, t)
	for i := range t.NumField() {
		sf := t.Field(i)
		ft := sf.Type
		if sf.Anonymous {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !validTagName(name) {
			name = ""
		}
		index := fieldIndex(prefix, i)
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			if err := collectFields(ft, index, out, inside); err != nil {
				return err
			}
			continue
		}
		if hasTagOption(opts, "string") {
			return errUseJSON
		}
		if name == "" {
			name = sf.Name
		}
		*out = append(*out, jsonField{index: index, name: name, omitEmpty: hasTagOption(opts, "omitempty"),
			omitZero: hasTagOption(opts, "omitzero")})
	}
	return nil
}

// fieldIndex is prefix followed by i, in a slice of its own.
func fieldIndex(prefix []int, i int) []int {
	index := make([]int, len(prefix)+1)
	copy(index, prefix)
	index[len(prefix)] = i
	return index
}

func hasTagOption(opts, name string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// validTagName is encoding/json's test of a tag's name part.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
