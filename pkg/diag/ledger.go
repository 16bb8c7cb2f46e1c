package diag

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Field is one input field a loader saw, to be accounted for in the report.
type Field struct {
	// Service is the service (or ECS task/container) the field belongs to; "" for top level.
	Service string `json:"service,omitempty"`
	// Path is the field path in the input, e.g. services.web.ports[0] or
	// containerDefinitions[1].portMappings[0].
	Path string `json:"path"`
	Pos  Pos    `json:"pos"`
	// Empty: the input gave null or an empty list or object here (declares nothing).
	Empty bool `json:"empty,omitempty"`
}

// Outcome says what became of an input field.
type Outcome string

// Outcomes, from best to worst.
const (
	// Mapped: converted faithfully.
	Mapped Outcome = "mapped"
	// Ignored: deliberately needs nothing in Kubernetes (e.g. links, container_name).
	Ignored Outcome = "ignored"
	// Partial: converted with a loss (a warning says which).
	Partial Outcome = "partial"
	// Dropped: not converted (a warning says why).
	Dropped Outcome = "dropped"
	// Unhandled: no conversion rule claimed the field.
	Unhandled Outcome = "unhandled"
)

// Entry records what a conversion rule did with one input field.
type Entry struct {
	Service string  `json:"service,omitempty"`
	Field   string  `json:"field"`
	Outcome Outcome `json:"outcome"`
	// Targets name the objects and field paths the input became,
	// e.g. "Deployment/web spec.template.spec.containers[0].image".
	Targets []string `json:"targets,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

// Ledger collects field accounting and diagnostics during a conversion. It is not safe for
// concurrent use; conversion is single-threaded.
type Ledger struct {
	pos map[string]Pos
	// paths are the known field paths, sorted (for child lookups in Pos).
	paths   []string
	entries []Entry
	diags   List
	// said indexes diags by what they say, so that saying the same thing twice about the same
	// field adds nothing (a rewrite found once per variable of an env_file said it 72 times).
	said map[saidKey]int
	// sameWords indexes positioned diags about a service by severity and message: the same
	// words for several services (an anchor they all merge, a file they all mount, a logging
	// driver each sets) are said once, at the first, naming the other services (also), as
	// kubectl says a repeated warning once; each field keeps its own entry in the accounts.
	// Within one service only the same place merges: two of its fields are two findings.
	// movedTo says where a field's diagnostic went.
	sameWords map[wordsKey]int
	also      map[int][]string
	movedTo   map[string][]int
}

// saidKey is what makes two diagnostics the same finding: the same words about the same field.
type saidKey struct {
	s                     Severity
	pos                   Pos
	service, field, words string
}

// wordsKey is what makes two diagnostics the same words.
type wordsKey struct {
	s   Severity
	msg string
}

// NewLedger returns a ledger that knows the positions of the given input fields.
func NewLedger(fields []Field) *Ledger {
	l := &Ledger{pos: make(map[string]Pos, len(fields))}
	for _, f := range fields {
		l.pos[f.Path] = f.Pos
		l.paths = append(l.paths, f.Path)
	}
	sort.Strings(l.paths)
	return l
}

// Pos returns the position of field; else the first position among its known children
// (loaders record leaves: services.web.dns[0] locates services.web.dns); else the position
// of its nearest known parent.
func (l *Ledger) Pos(field string) Pos {
	if pos, ok := l.pos[field]; ok {
		return pos
	}
	if pos, ok := l.childPos(field); ok {
		return pos
	}
	for p := parentPath(field); p != ""; p = parentPath(p) {
		if pos, ok := l.pos[p]; ok {
			return pos
		}
	}
	return Pos{}
}

// childPos returns the earliest position of a known field below field.
func (l *Ledger) childPos(field string) (Pos, bool) {
	var best Pos
	found := false
	for _, sep := range []string{".", "["} {
		prefix := field + sep
		for i := sort.SearchStrings(l.paths, prefix); i < len(l.paths) && strings.HasPrefix(l.paths[i], prefix); i++ {
			p := l.pos[l.paths[i]]
			if p.File == "" {
				continue
			}
			if !found || p.Line < best.Line || (p.Line == best.Line && p.Column < best.Column) {
				best, found = p, true
			}
		}
	}
	return best, found
}

// Mapped records that field became targets.
func (l *Ledger) Mapped(service, field string, targets ...string) {
	l.entries = append(l.entries, Entry{Service: service, Field: field, Outcome: Mapped, Targets: targets})
}

// Ignored records that field needs nothing in Kubernetes, and why (an info diagnostic).
func (l *Ledger) Ignored(service, field, reason string) {
	l.entries = append(l.entries, Entry{Service: service, Field: field, Outcome: Ignored, Reason: reason})
}

// Partial records a lossy conversion of field and emits a warning.
func (l *Ledger) Partial(service, field, reason string, targets ...string) {
	l.entries = append(l.entries, Entry{Service: service, Field: field, Outcome: Partial, Targets: targets, Reason: reason})
	l.add(Warning, service, field, reason)
}

// Dropped records that field was not converted and emits a warning.
func (l *Ledger) Dropped(service, field, reason string) {
	l.entries = append(l.entries, Entry{Service: service, Field: field, Outcome: Dropped, Reason: reason})
	l.add(Warning, service, field, reason)
}

// Record adds an entry as is, without a diagnostic: for an outcome that was already reported
// under another field name (e.g. re-keyed to the field the user wrote).
func (l *Ledger) Record(e Entry) {
	l.entries = append(l.entries, e)
}

// Warnf emits a warning about field without changing its accounting.
func (l *Ledger) Warnf(service, field, format string, args ...any) {
	l.add(Warning, service, field, fmt.Sprintf(format, args...))
}

// Breakf emits a warning that says what will not work as under Compose (Diagnostic.Breaks).
func (l *Ledger) Breakf(service, field, format string, args ...any) {
	l.diags[l.add(Warning, service, field, fmt.Sprintf(format, args...))].Breaks = true
}

// BreakAllf is Breakf for one finding about fields of several services: it is said at
// service's field and names the others as Also, "(the same for b, c)".
func (l *Ledger) BreakAllf(service, field string, also []string, format string, args ...any) {
	i := l.add(Warning, service, field, fmt.Sprintf(format, args...))
	l.diags[i].Breaks = true
	for _, s := range also {
		if s != service && s != l.diags[i].Service && !slices.Contains(l.also[i], s) {
			l.also[i] = append(l.also[i], s)
		}
	}
}

// Breaking marks the warnings already emitted about field as Breaks.
func (l *Ledger) Breaking(field string) {
	for i := range l.diags {
		if l.diags[i].Field == field && l.diags[i].Severity == Warning {
			l.diags[i].Breaks = true
		}
	}
	for _, i := range l.movedTo[field] {
		if l.diags[i].Severity == Warning {
			l.diags[i].Breaks = true
		}
	}
}

// Infof emits an info diagnostic about field.
func (l *Ledger) Infof(service, field, format string, args ...any) {
	l.add(Info, service, field, fmt.Sprintf(format, args...))
}

// Errorf returns a user error about field, positioned from the ledger's input fields.
func (l *Ledger) Errorf(service, field, format string, args ...any) error {
	return Errorf(l.Pos(field), service, field, format, args...)
}

// add records a diagnostic unless the same one is recorded already, and returns its index.
func (l *Ledger) add(s Severity, service, field, msg string) int {
	d := Diagnostic{Severity: s, Pos: l.Pos(field), Service: service, Field: field, Message: msg}
	said := saidKey{s, d.Pos, service, field, msg}
	if i, ok := l.said[said]; ok {
		return i
	}
	if l.said == nil {
		l.said, l.sameWords = map[saidKey]int{}, map[wordsKey]int{}
		l.also, l.movedTo = map[int][]string{}, map[string][]int{}
	}
	key := wordsKey{s, msg}
	if i, ok := l.sameWords[key]; ok && d.Pos.Line > 0 && service != "" && (service != l.diags[i].Service || d.Pos == l.diags[i].Pos) {
		if service != l.diags[i].Service && !slices.Contains(l.also[i], service) {
			l.also[i] = append(l.also[i], service)
		}
		l.movedTo[field] = append(l.movedTo[field], i)
		l.said[said] = i
		return i
	}
	if d.Pos.Line > 0 && service != "" {
		l.sameWords[key] = len(l.diags)
	}
	l.said[said] = len(l.diags)
	l.diags = append(l.diags, d)
	return len(l.diags) - 1
}

// Diagnostics returns the diagnostics in a stable order. One said in the same words for
// several services names the others: "(the same for b, c)".
func (l *Ledger) Diagnostics() List {
	out := slices.Clone(l.diags)
	for i, others := range l.also {
		sorted := slices.Clone(others)
		sort.Strings(sorted)
		out[i].Message += " (the same for " + strings.Join(sorted, ", ") + ")"
		out[i].Also = sorted
	}
	return out.Sorted()
}

// Entries returns the recorded entries sorted by field path.
func (l *Ledger) Entries() []Entry {
	out := append([]Entry(nil), l.entries...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// Accounted is one input field with everything recorded about it.
type Accounted struct {
	Field
	Outcome Outcome  `json:"outcome"`
	Targets []string `json:"targets,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// Account joins the input fields with the recorded entries. An entry applies to a field when
// its path equals the field's, is a parent of it, or is a child of it. The worst outcome wins;
// a field no entry covers is Unhandled. Output order follows fields. Cost is O((F+E) log E).
func (l *Ledger) Account(fields []Field) []Accounted {
	out := make([]Accounted, 0, len(fields))
	sorted := l.Entries()
	idx := make(map[string][]Entry, len(sorted))
	for _, e := range sorted {
		idx[e.Field] = append(idx[e.Field], e)
	}
	for _, f := range fields {
		a := Accounted{Field: f, Outcome: Unhandled}
		seen := map[string]bool{}
		var related []Entry
		for p := f.Path; p != ""; p = parentPath(p) {
			related = append(related, idx[p]...)
		}
		related = append(related, childrenOf(sorted, f.Path+".")...)
		related = append(related, childrenOf(sorted, f.Path+"[")...)
		for _, e := range related {
			if a.Outcome == Unhandled || rank(e.Outcome) > rank(a.Outcome) {
				a.Outcome = e.Outcome
			}
			for _, t := range e.Targets {
				if !seen["t"+t] {
					seen["t"+t] = true
					a.Targets = append(a.Targets, t)
				}
			}
			if e.Reason != "" && !seen["r"+e.Reason] {
				seen["r"+e.Reason] = true
				a.Reasons = append(a.Reasons, e.Reason)
			}
		}
		out = append(out, a)
	}
	return out
}

// childrenOf returns the entries of sorted (by Field) whose field starts with prefix.
func childrenOf(sorted []Entry, prefix string) []Entry {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i].Field >= prefix })
	j := i
	for j < len(sorted) && strings.HasPrefix(sorted[j].Field, prefix) {
		j++
	}
	return sorted[i:j]
}

func rank(o Outcome) int {
	switch o {
	case Mapped:
		return 0
	case Ignored:
		return 1
	case Partial:
		return 2
	case Dropped:
		return 3
	default:
		return 4
	}
}

// parentPath strips the last segment of a field path: a.b[0].c → a.b[0] → a.b → a → "".
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	return ""
}
