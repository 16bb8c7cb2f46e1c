package convert

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/model"
)

// rewrite.go: a name Compose's DNS answers but a Service cannot carry (app_db, spm_metrics_source,
// Chat.Internal: not a DNS label) is replaced, in the mounted configuration files berth turns
// into ConfigMaps, by the name of the Service that answers it, with one info line per address.
// Environment values are not rewritten: the unresolved-address warning names the variable to
// set instead.

// fileKey identifies file f of bind mount m for rewrites.
func fileKey(m model.Mount, f model.File) string { return m.Field + "\x00" + f.Name }

// rewriteName records that d's host, a name of n's service that is not a DNS label, is to be
// replaced by the service's Service name in d's file, says so, and returns that name.
func (b *builder) rewriteName(d dial, n dnsName) string {
	to := b.name(n.Svc.Name)
	r := b.conn.rewrites[d.File]
	if r == nil {
		r = map[string]string{}
		b.conn.rewrites[d.File] = r
	}
	if _, done := r[d.addr.Host]; !done {
		r[d.addr.Host] = to
		address, target := d.addr.Host, to
		if d.addr.Port > 0 {
			address += ":" + strconv.Itoa(int(d.addr.Port))
			target += ":" + strconv.Itoa(int(d.addr.Port))
		}
		b.ledger.Infof(d.From.Name, d.Field, "address %s became %s in the ConfigMap: %q (%s of %s) is not a DNS label, so no "+
			"Service can carry it; the Service %s answers instead", address, target, d.addr.Host, n.Via, n.Svc.Name, to)
	}
	return to
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

// rewritten returns the content of file f of m with the recorded names replaced where they
// stand as a whole name (not glued to letters, digits, '.', '_' or '-').
func (b *builder) rewritten(m model.Mount, f model.File) []byte {
	if b.conn == nil || len(b.conn.rewrites[fileKey(m, f)]) == 0 || !utf8.Valid(f.Content) {
		return f.Content
	}
	r := b.conn.rewrites[fileKey(m, f)]
	olds := make([]string, 0, len(r))
	for o := range r {
		olds = append(olds, o)
	}
	sort.Slice(olds, func(i, j int) bool {
		return len(olds[i]) > len(olds[j]) || len(olds[i]) == len(olds[j]) && olds[i] < olds[j]
	})
	s := string(f.Content)
	for _, o := range olds {
		s = replaceName(s, o, r[o])
	}
	return []byte(s)
}

// replaceName replaces old in s where it stands as a whole name.
func replaceName(s, old, with string) string {
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
		whole := (i == 0 || !tokenChar(before)) && (end == len(s) || !tokenChar(after))
		sb.WriteString(s[:i])
		if whole {
			sb.WriteString(with)
		} else {
			sb.WriteString(old)
		}
		s = s[end:]
	}
}
