package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// ToMap returns obj's JSON form as a map: exactly what runtime.DefaultUnstructuredConverter
// gives (int64 for integers, float64 for other numbers; TestToMapMatchesConverter). It walks
// the value itself (tomap_walk.go), which costs a fraction of json.Marshal's first use on
// Kubernetes types, and marshals to JSON only for what the walker leaves to encoding/json.
func ToMap(obj any) (map[string]any, error) { return toMapWith(obj, &typeCache{}) }

// toMapWith is ToMap with a cache shared by the objects of one render.
func toMapWith(obj any, cache *typeCache) (map[string]any, error) {
	w := walker{cache: cache}
	v, err := w.value(reflect.ValueOf(obj))
	if errors.Is(err, errUseJSON) {
		return toMapJSON(obj)
	}
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return toMapJSON(obj)
	}
	return m, nil
}

// toMapJSON is ToMap through JSON marshalling.
func toMapJSON(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if err := fixNumbers(m); err != nil {
		return nil, err
	}
	return m, nil
}

// fixNumbers replaces every json.Number in v with an int64, or a float64 when it is not an
// integer.
func fixNumbers(v any) error {
	var err error
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if t[k], err = fixed(c); err != nil {
				return err
			}
		}
	case []any:
		for i, c := range t {
			if t[i], err = fixed(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// fixed returns v with its numbers fixed: a json.Number's value, or v with fixNumbers applied.
func fixed(v any) (any, error) {
	if n, ok := v.(json.Number); ok {
		return number(n)
	}
	return v, fixNumbers(v)
}

func number(n json.Number) (any, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return nil, fmt.Errorf("number %s: %w", n, err)
	}
	return f, nil
}
