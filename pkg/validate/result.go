package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Result is the verdict on one object.
type Result struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Accepted is false when the object was rejected; Message then says why (the server's
	// message, or the schema violations found offline, one per line).
	Accepted bool
	Message  string
	// Warnings are the server's warnings for an accepted object (deprecations, duplicate
	// list keys, ...). OK treats them as failures: berth's output must not cause any.
	Warnings []string
}

// OK reports whether the object was accepted without warnings.
func (r Result) OK() bool { return r.Accepted && len(r.Warnings) == 0 }

// Ref names the object: "apps/v1 Deployment shop/web".
func (r Result) Ref() string {
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + name
	}
	return r.APIVersion + " " + r.Kind + " " + name
}

// String is a one-line (rejections: multi-line) human-readable verdict.
func (r Result) String() string {
	switch {
	case !r.Accepted:
		return r.Ref() + ": rejected: " + r.Message
	case len(r.Warnings) > 0:
		return r.Ref() + ": accepted with warnings: " + strings.Join(r.Warnings, "; ")
	default:
		return r.Ref() + ": accepted"
	}
}

// Summary counts results.
type Summary struct {
	Objects, Accepted, Rejected, Warned int
}

// Summarize counts accepted, rejected and warned (accepted with warnings) objects.
func Summarize(results []Result) Summary {
	s := Summary{Objects: len(results)}
	for _, r := range results {
		switch {
		case !r.Accepted:
			s.Rejected++
		case len(r.Warnings) > 0:
			s.Warned++
			s.Accepted++
		default:
			s.Accepted++
		}
	}
	return s
}

func (s Summary) String() string {
	noun := "objects"
	if s.Objects == 1 {
		noun = "object"
	}
	return fmt.Sprintf("%d %s: %d accepted, %d rejected, %d with warnings", s.Objects, noun, s.Accepted, s.Rejected, s.Warned)
}

// Err returns nil when every result is OK, else an error listing the failures.
func Err(results []Result) error {
	var errs []error
	for _, r := range results {
		if !r.OK() {
			errs = append(errs, errors.New(r.String()))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s\n%w", Summarize(results), errors.Join(errs...))
}

// ParseYAML decodes a multi-document YAML (or JSON) stream into objects. Empty documents are
// skipped and a kind "List" (as written by kubectl) is expanded into its items.
func ParseYAML(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("document %d: apiVersion and kind are required", doc)
		}
		if u.IsList() {
			if err := u.EachListItem(func(o runtime.Object) error {
				objs = append(objs, o.(*unstructured.Unstructured))
				return nil
			}); err != nil {
				return nil, fmt.Errorf("document %d: %w", doc, err)
			}
			continue
		}
		objs = append(objs, u)
	}
}
