package convert

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
	"k8s.io/apimachinery/pkg/util/validation"
)

// rewrite.go: a name Compose's DNS answers but a Service cannot carry (app_db, spm_metrics_source,
// Chat.Internal: not a DNS label) is replaced, in the mounted configuration files berth turns
// into ConfigMaps (bind-mounted files, Compose configs), by the name of the Service that answers
// it; the file's field is partial and its warning names each change.
// Environment values get the same (rewriteEnv).

// fileKey identifies file f of bind mount m for rewrites.
func fileKey(m model.Mount, f model.File) string { return m.Field + "\x00" + f.Name }

// configKey identifies Compose config name for rewrites (one object, whoever mounts it).
func configKey(name string) string { return "config\x00" + name }

// rewrites reports whether names are to be replaced in the file key names.
func (b *builder) rewrites(key string) bool { return b.conn != nil && len(b.conn.rewrites[key]) > 0 }

// rewriteName records that d's host, a name of n's service that is not a DNS label, is to be
// replaced by the service's Service name in d's file, and returns that name.
func (b *builder) rewriteName(d dial, n dnsName) string {
	to := b.name(n.Svc.Name)
	r := b.conn.rewrites[d.File]
	if r == nil {
		r = map[string]string{}
		b.conn.rewrites[d.File] = r
	}
	r[d.addr.Host] = to
	return to
}

// renamed is the report's reason for a file berth rewrote: which names became which.
func (b *builder) renamed(keys ...string) string {
	seen := map[string]bool{}
	var parts []string
	for _, k := range keys {
		for o, to := range b.conn.rewrites[k] {
			if p := o + " became " + to; !seen[p] {
				seen[p] = true
				parts = append(parts, p)
			}
		}
	}
	sort.Strings(parts)
	return "names that are not DNS labels, so no Service can carry them, became the names of the Services that answer them: " +
		strings.Join(parts, ", ")
}

// rewrittenAlias reports whether berth rewrote a reference to alias in a mounted file.
func (b *builder) rewrittenAlias(alias string) bool {
	if b.conn == nil {
		return false
	}
	for _, r := range b.conn.rewrites {
		if _, ok := r[alias]; ok {
			return true
		}
	}
	return false
}

// rewritten returns the content of file f of m with the recorded names replaced.
func (b *builder) rewritten(m model.Mount, f model.File) []byte {
	return b.rewrittenContent(fileKey(m, f), f.Content)
}

// rewrittenContent returns content with the names recorded for key replaced where they stand
// as a whole name (not glued to letters, digits, '.', '_' or '-').
func (b *builder) rewrittenContent(key string, content []byte) []byte {
	if !b.rewrites(key) || !utf8.Valid(content) {
		return content
	}
	r := b.conn.rewrites[key]
	olds := make([]string, 0, len(r))
	for o := range r {
		olds = append(olds, o)
	}
	LongestFirst(olds)
	s := string(content)
	for _, o := range olds {
		s = ReplaceToken(s, o, r[o])
	}
	return []byte(s)
}

// LongestFirst sorts the values to replace longest first, then alphabetically, so a value
// that contains another is replaced whole, in the same order every run.
func LongestFirst(values []string) {
	sort.Slice(values, func(i, j int) bool {
		a, b := values[i], values[j]
		return len(a) > len(b) || len(a) == len(b) && a < b
	})
}

// ReplaceToken replaces old in s where it stands as a whole token: not glued to a token
// character (TokenChar) before it when old starts with one, nor after it when old ends with one.
func ReplaceToken(s, old, with string) string {
	var sb strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		end := i + len(old)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		glued := (i > 0 && TokenChar(before) && TokenChar(firstRuneOf(old))) ||
			(end < len(s) && TokenChar(after) && TokenChar(lastRuneOf(old)))
		sb.WriteString(s[:i])
		if glued {
			sb.WriteString(old)
		} else {
			sb.WriteString(with)
		}
		s = s[end:]
	}
}

// rewriteEnv replaces, in environment values, the names Compose serves that are not DNS labels
// (DB_HOSTNAME=immich_postgres, a container_name) by the name of the Service that answers
// them, before anything reads the environment: the values, their ConfigMaps and Secrets and
// the connection audit all see the new name. b.app becomes a copy with new environments for
// the services concerned (the input model is not changed); each rewritten field is accounted
// partial, with a warning naming the change (mappedEnv).
func (b *builder) rewriteEnv() {
	names := b.servedNames()
	app := *b.app
	app.Services = append([]*model.Service(nil), b.app.Services...)
	changed := false
	for si, s := range app.Services {
		var clone *model.Service
		for ci := range s.Containers {
			for _, d := range b.envDials(s, &s.Containers[ci]) {
				n, ok := names[strings.ToLower(d.addr.Host)]
				if d.Listen || !ok || !connaddr.Dialable(d.addr.Host) || len(validation.IsDNS1035Label(strings.ToLower(d.addr.Host))) == 0 {
					continue
				}
				to := b.name(n.Svc.Name)
				if clone == nil {
					c := *s
					c.Containers = append([]model.Container(nil), s.Containers...)
					clone = &c
				}
				env := append([]model.EnvVar(nil), clone.Containers[ci].Env...)
				for i := range env {
					if env[i].Field == d.Field && !env[i].Unset && env[i].From == nil {
						env[i].Value = ReplaceToken(env[i].Value, d.addr.Host, to)
					}
				}
				clone.Containers[ci].Env = env
				if b.envRenamed == nil {
					b.envRenamed = map[string]string{}
				}
				b.envRenamed[d.Field] = fmt.Sprintf("%s became %s: %q (%s of %s) is not a DNS label, so no Service can carry it",
					d.addr.Host, to, d.addr.Host, n.Via, n.Svc.Name)
			}
		}
		if clone != nil {
			app.Services[si] = clone
			changed = true
		}
	}
	if changed {
		b.app = &app
	}
}
