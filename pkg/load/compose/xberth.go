package compose

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// extKey is berth's Compose extension.
const extKey = "x-berth"

// decodeExt decodes the x-berth extension found in ext (already interpolated by compose-go)
// into target, strictly: unknown keys and wrong types are errors at the field's position.
// base is the path of the object holding the extension ("" for the top level).
func (m *mapper) decodeExt(ext types.Extensions, service, base string, target any) error {
	raw, ok := ext[extKey]
	if !ok || raw == nil {
		return nil
	}
	path := extKey
	if base != "" {
		path = base + "." + extKey
	}
	if err := checkKeys(raw, reflect.TypeOf(target).Elem(), path); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			return m.errorf(service, ke.path, "%s", ke.msg)
		}
		return m.errorf(service, path, "%v", err)
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return m.errorf(service, path, "cannot decode: %v", err)
	}
	if err := json.Unmarshal(data, target); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := path
			if te.Field != "" {
				field = path + "." + te.Field
			}
			return m.errorf(service, field, "must be %s, not %s", typeName(te.Type), te.Value)
		}
		return m.errorf(service, path, "cannot decode: %v", err)
	}
	return nil
}

type keyError struct{ path, msg string }

func (e *keyError) Error() string { return e.path + ": " + e.msg }

// checkKeys reports the first unknown key (sorted, so the error is stable) in raw against the
// JSON field names of t, recursively.
func checkKeys(raw any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		mp, ok := raw.(map[string]any)
		if !ok {
			return &keyError{path, "must be a mapping, not " + kindOf(raw)}
		}
		fields := jsonFields(t)
		keys := slices.Sorted(maps.Keys(mp))
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				hint := ""
				if s := suggest(k, sortedKeys(fields)); s != "" {
					hint = "; did you mean " + s + "?"
				}
				return &keyError{path + "." + k, fmt.Sprintf("unknown x-berth field %q%s (known: %s)", k, hint, strings.Join(sortedKeys(fields), ", "))}
			}
			if err := checkKeys(mp[k], ft, path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Map:
		if mp, ok := raw.(map[string]any); ok {
			for _, k := range sortedKeys(mp) {
				if err := checkKeys(mp[k], t.Elem(), path+"."+k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	default:
		return t.String()
	}
}

var (
	kinds = []model.Kind{model.KindDeployment, model.KindStatefulSet, model.KindDaemonSet, model.KindJob, model.KindCronJob}
)

// checkOptions validates values of a service's x-berth that the schema of the types cannot.
func (m *mapper) checkOptions(service, f string, o *model.ServiceOptions) error {
	p := f + "." + extKey
	if o.Kind != model.KindAuto && !slices.Contains(kinds, o.Kind) {
		return m.errorf(service, p+".kind", "unknown kind %q (one of %s)", o.Kind, joinKinds())
	}
	if err := model.CheckExpose(o.Expose); err != nil {
		return m.errorf(service, p+".expose", "expose %q: %v", o.Expose, err)
	}
	if o.Kind == model.KindCronJob && o.Schedule == "" {
		return m.errorf(service, p+".schedule", "kind CronJob needs a schedule")
	}
	if a := o.Autoscale; a != nil && (a.Max < 1 || a.Min > a.Max) {
		return m.errorf(service, p+".autoscale", "needs 1 <= min <= max (got min %d, max %d)", a.Min, a.Max)
	}
	return nil
}

// checkAppOptions validates the top-level x-berth: its options with the rules the flags use
// (model.AppOptions.Validate), its volumes against the project's.
func (m *mapper) checkAppOptions(o *model.AppOptions) error {
	var oe *model.OptionError
	if err := o.Validate(); errors.As(err, &oe) {
		return m.errorf("", extKey+"."+oe.Key, "%s %q: %v", oe.Key, oe.Value, oe.Err)
	} else if err != nil {
		return err
	}
	for _, name := range sortedKeys(o.Volumes) {
		if _, ok := m.project.Volumes[name]; !ok {
			return m.errorf("", extKey+".volumes."+name, "no top-level volume %q to apply these options to", name)
		}
	}
	return nil
}

func (m *mapper) checkVolumeOptions(f string, o model.VolumeOptions) error {
	p := f + "." + extKey
	if err := model.CheckSize(o.Size); err != nil {
		return m.errorf("", p+".size", "size %q: %v", o.Size, err)
	}
	if err := model.CheckAccessMode(o.AccessMode); err != nil {
		return m.errorf("", p+".accessMode", "access mode %q: %v", o.AccessMode, err)
	}
	return nil
}

func joinKinds() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
