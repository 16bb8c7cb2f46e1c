package apply

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ErrConflict marks an apply that failed because another field manager owns a field.
var ErrConflict = errors.New("field manager conflict")

// conflict is one field another field manager owns.
type conflict struct {
	Field   string
	Manager string
	// Imperative: the manager changed the field with an update (kubectl edit, patch, scale,
	// create), not by declaring it in a server-side apply.
	Imperative bool
}

// conflictCause parses the apiserver's conflict message:
// conflict with "<manager>"[ with subresource "<s>"][ using <apiVersion>[ at <time>]]
// (" using" is only printed for managers whose operation was Update).
var conflictCause = regexp.MustCompile(`^conflict with ("(?:[^"\\]|\\.)*")( with subresource "[^"]*")?( using .*)?$`)

// conflictsOf returns the field manager conflicts of a failed apply.
func conflictsOf(err error) []conflict {
	var se apierrors.APIStatus
	if err == nil || !apierrors.IsConflict(err) || !errors.As(err, &se) || se.Status().Details == nil {
		return nil
	}
	var out []conflict
	for _, cause := range se.Status().Details.Causes {
		if cause.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		c := conflict{Field: cause.Field, Manager: cause.Message}
		if m := conflictCause.FindStringSubmatch(cause.Message); m != nil {
			if name, err := strconv.Unquote(m[1]); err == nil {
				c.Manager = name
			}
			c.Imperative = m[3] != ""
		}
		out = append(out, c)
	}
	return out
}

// allImperative: every conflicting field was last changed by an update, not declared by
// another applier. Those are live edits (drift) of what berth declares: apply takes them back,
// as kubectl apply always has. A field another applier declared is a real conflict.
func allImperative(cs []conflict) bool {
	for _, c := range cs {
		if !c.Imperative {
			return false
		}
	}
	return len(cs) > 0
}

func revertNote(cs []conflict) string {
	if len(cs) == 0 {
		return ""
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s edited by %q", c.Field, c.Manager))
	}
	return "reverted live edits: " + strings.Join(parts, ", ")
}

// applyError explains a failed apply: conflicts name the other field managers and fields.
func applyError(u *unstructured.Unstructured, err error) error {
	if cs := conflictsOf(err); len(cs) > 0 {
		var parts []string
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("field %s is owned by field manager %q", c.Field, c.Manager))
		}
		return fmt.Errorf("%s: conflict: %s: re-run with --force-conflicts to take these fields over, or remove them from the other manager's configuration: %w",
			ref(u), strings.Join(parts, "; "), ErrConflict)
	}
	if apierrors.IsNotFound(err) && u.GetNamespace() != "" {
		return fmt.Errorf("%s: %w (does namespace %q exist? a --dry-run cannot create it)", ref(u), err, u.GetNamespace())
	}
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return fmt.Errorf("%s: the server rejected the object: %w", ref(u), err)
	}
	return fmt.Errorf("%s: %w", ref(u), err)
}
