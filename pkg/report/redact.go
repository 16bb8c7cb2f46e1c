package report

import (
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

// Redactor replaces known secret values in text. A value is replaced only where it stands as
// a whole word (not inside a longer run of letters, digits, '.', '_' or '-'), so a weak password
// such as "gitea" hides "postgres://gitea:gitea@db" but not the host "gitea-postgres.local",
// and not a whole path segment (convert.WeakInPath: Zabbix's password "zabbix" leaves
// "/usr/lib/zabbix/alertscripts" alone, as the conversion does). A value that is one of the
// app's names (convert.PublicTokens: Kong's default password "kong") is not redacted: it would
// turn every "dialed by kong" into "dialed by [redacted]". The zero value and nil redact
// nothing.
type Redactor struct {
	// words are secret values made only of word characters: found by a token scan.
	words map[string]bool
	// phrases are the other secret values (spaces, punctuation), longest first.
	phrases []string
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
	r := &Redactor{words: map[string]bool{}}
	public := convert.PublicTokens(app)
	for v := range set {
		if strings.IndexFunc(v, func(c rune) bool { return !convert.TokenChar(c) }) < 0 {
			if !public[v] { // a name of the app (convert.PublicTokens): the manifests show it anyway
				r.words[v] = true
			}
		} else {
			r.phrases = append(r.phrases, v)
		}
	}
	convert.LongestFirst(r.phrases)
	return r
}

// String returns s with every known secret value replaced.
func (r *Redactor) String(s string) string {
	if r == nil || (len(r.words) == 0 && len(r.phrases) == 0) {
		return s
	}
	for _, p := range r.phrases {
		s = convert.ReplaceToken(s, p, Redacted)
	}
	if len(r.words) == 0 {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if w := s[start:end]; r.words[w] && !convert.WeakInPath(s, start, end) {
			b.WriteString(Redacted)
		} else {
			b.WriteString(w)
		}
		start = -1
	}
	for i, c := range s {
		switch {
		case convert.TokenChar(c) && start < 0:
			start = i
		case !convert.TokenChar(c):
			if start >= 0 {
				flush(i)
			}
			b.WriteRune(c)
		}
	}
	if start >= 0 {
		flush(len(s))
	}
	return b.String()
}
