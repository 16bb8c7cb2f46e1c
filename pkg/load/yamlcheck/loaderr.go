package yamlcheck

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v4"
)

// Mark is where go-yaml places a load error. Its reader's errors (invalid UTF-8, a control
// character) name only a byte offset: Offset is that offset and Line is 0. Every other error
// names a 1-based Line and Column, and Offset is -1.
type Mark struct {
	Offset       int64
	Line, Column int
}

// LoadErrorAt reads where go-yaml failed and why from err, as go-yaml's structured errors say
// it, never from their text: the first error of a *yaml.LoadErrors (what decoding into values
// reports, e.g. duplicate keys), else the *yaml.LoadError in err's chain. An error a custom
// unmarshaler returned (compose-go decodes through one) is wrapped by go-yaml in an error at
// the unmarshaled node: the innermost error is the one that names the place. ok is false when
// err holds no go-yaml error.
func LoadErrorAt(err error) (mark Mark, msg string, ok bool) {
	var found *yaml.LoadError
	for depth := 0; err != nil && depth < 16; depth++ {
		le := asLoadError(err)
		if le == nil {
			break
		}
		found, err = le, le.Unwrap()
	}
	if found == nil {
		return Mark{}, "", false
	}
	if found.Mark.Line == 0 {
		return Mark{Offset: int64(max(found.Mark.Index, 0))}, found.Message, true
	}
	msg = found.Message
	if ctx := found.ContextMark; found.ContextMsg != "" && ctx.Line > 0 && ctx.Line != found.Mark.Line {
		// Where the construct that ended badly began: an unterminated quote fails at the end
		// of the file, and the quote is what to fix.
		msg += fmt.Sprintf(" (%s at line %d, column %d)", found.ContextMsg, ctx.Line, ctx.Column)
	}
	return Mark{Offset: -1, Line: found.Mark.Line, Column: found.Mark.Column}, msg, true
}

// asLoadError is the first go-yaml error in err's chain: a *yaml.LoadErrors' first, or a
// *yaml.LoadError.
func asLoadError(err error) *yaml.LoadError {
	var le *yaml.LoadError
	var les *yaml.LoadErrors
	switch {
	case errors.As(err, &les) && len(les.Errors) > 0:
		return les.Errors[0]
	case errors.As(err, &le):
		return le
	}
	return nil
}
