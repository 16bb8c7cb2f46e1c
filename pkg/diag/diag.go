// Package diag holds berth's diagnostics: where an input value came from (Pos), what went wrong
// or was lossy about it (Diagnostic), and a user-facing error type that names file, line:column,
// service and field path in one line.
package diag

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pos is a position in an input file. Line and Column are 1-based; zero means unknown.
type Pos struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String renders the position as file:line:col, omitting what is unknown.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

// Severity ranks a diagnostic.
type Severity int

const (
	// Info is a decision worth knowing about that loses nothing.
	Info Severity = iota
	// Warning is lossy or unsupported input: converted partially or not at all.
	Warning
	// Error stops the conversion.
	Error
)

// String is the lower-case name of the severity.
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	default:
		return "error"
	}
}

// MarshalText makes severities readable in JSON reports.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity written by MarshalText, so JSON reports can be read back.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "info":
		*s = Info
	case "warning":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is one finding about the input, tied to its source.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Pos      Pos      `json:"pos"`
	// Service is the service (Compose) or task/container (ECS) the finding is about, if any.
	Service string `json:"service,omitempty"`
	// Also are the other services the same words are about (Ledger: said once, at the first
	// service's field), sorted; the message ends "(the same for b, c)".
	Also []string `json:"also,omitempty"`
	// Field is the input field path, e.g. services.web.ports[1].
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Breaks: the finding says the converted app will not work as it does under Compose (an
	// address that resolves to nothing, content a mount will not have) or what changed in how it
	// is reached; such warnings are printed first.
	Breaks bool `json:"breaks,omitempty"`
}

// About reports whether the finding is about service: its own or one of Also.
func (d Diagnostic) About(service string) bool {
	return d.Service == service || slices.Contains(d.Also, service)
}

// String renders "file:line:col: field: message" (the shape of every berth error).
func (d Diagnostic) String() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	} else if d.Service != "" {
		b.WriteString("service ")
		b.WriteString(d.Service)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Err is a user error carrying one diagnostic. It wraps an optional cause.
type Err struct {
	Diagnostic
	Cause error
}

// Error implements error.
func (e *Err) Error() string { return e.Diagnostic.String() }

// Unwrap returns the cause.
func (e *Err) Unwrap() error { return e.Cause }

// Errorf builds a user error at pos about field of service.
func Errorf(pos Pos, service, field, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Err{
		Diagnostic: Diagnostic{Severity: Error, Pos: pos, Service: service, Field: field, Message: err.Error()},
		Cause:      errors.Unwrap(err),
	}
}

// List is an ordered collection of diagnostics.
type List []Diagnostic

// Count returns how many diagnostics have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sorted returns a copy ordered by file, line, column, field and message (stable output).
func (l List) Sorted() List {
	out := append(List(nil), l...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
	return out
}
