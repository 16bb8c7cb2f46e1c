package report

import (
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// MinSecretLen is the shortest secret value the Redactor replaces; shorter values would
// garble ordinary words and are too weak to be worth hiding from a report's reader.
const MinSecretLen = 4

// Redacted replaces secret values in report text and messages.
const Redacted = "[redacted]"

// Redactor replaces known secret values in text. The zero value and nil redact nothing.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor collects the secret values of a conversion: Compose secrets' content, variables
// marked secret, and every value in the Secrets convert produced.
func NewRedactor(app *model.App, objs []convert.Object) *Redactor {
	set := map[string]bool{}
	add := func(v string) {
		if len(v) >= MinSecretLen {
			set[v] = true
		}
	}
	for _, s := range app.Secrets {
		add(string(s.Content))
		add(strings.TrimSpace(string(s.Content)))
	}
	for _, svc := range app.Services {
		for _, c := range svc.Containers {
			for _, e := range c.Env {
				if e.Secret {
					add(e.Value)
				}
			}
		}
	}
	for _, o := range objs {
		s, ok := o.(*corev1.Secret)
		if !ok {
			continue
		}
		for _, v := range s.Data {
			add(string(v))
		}
		for _, v := range s.StringData {
			add(v)
		}
	}
	vals := make([]string, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	if len(vals) == 0 {
		return &Redactor{}
	}
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// String returns s with every known secret value replaced.
func (r *Redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
