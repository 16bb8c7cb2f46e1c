package convert

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/convert/secretrule"
	"github.com/berth-dev/berth/pkg/model"
)

// secrets.go keeps the app's secret values out of everything that is not a Secret. It runs
// over the model once: it collects every value classified secret (env variables by the rules of
// secretrule/names.go, the content of Compose secrets), then finds where Compose's interpolation put
// those values in command, args and healthchecks, so that the container reads them from a
// Secret instead (docs/secrets.md).

// minSecretValue is the shortest value the app-wide rules consider: shorter values would match
// ordinary words and flags (report.MinSecretLen is the same length).
const minSecretValue = 4

// secretState is the app-wide view of secret values.
type secretState struct {
	// values maps each secret value to the variable (or Compose secret) that made it secret.
	values map[string]string
	// sorted are the values, longest first (a value containing another is matched whole).
	sorted []string
	// public are the tokens of the app's non-secret names (images, services, hosts,
	// volumes): a secret value equal to one of them is ambiguous and only replaced where it
	// stands as a whole value, never inside other text.
	public map[string]bool
	// extra are the variables added to containers that use a secret value in their argv
	// without having it in their environment, keyed by containerKey.
	extra map[string][]model.EnvVar
	// added are those variables (service, name and value joined by NULs), with the rule.
	added map[string]string
	// rules caches envRule by service, name and value (joined by NULs): every variable is
	// classified once, however often the env concern asks.
	rules map[string]ruleResult
	// byPrefix indexes the non-public values of sorted by their first minSecretValue bytes
	// (positions in sorted, ascending), so finding the values a string holds costs one lookup
	// per byte of the string, not one search per secret value of the app.
	byPrefix map[string][]int
	// indexed counts the values in byPrefix.
	indexed int
}

// ruleResult is one envRule outcome.
type ruleResult struct {
	secret bool
	why    string
}

// rule is envRule for variable e of svc, cached.
func (st *secretState) rule(svc *model.Service, e model.EnvVar) (bool, string) {
	key := svc.Name + "\x00" + e.Name + "\x00" + e.Value
	if e.Secret {
		key += "\x00s"
	}
	r, ok := st.rules[key]
	if !ok {
		r.secret, r.why = secretrule.EnvRule(svc, e)
		st.rules[key] = r
	}
	return r.secret, r.why
}

// secretInfo returns the conversion's secret state, computing it on first use.
func (b *builder) secretInfo() *secretState {
	if b.sec != nil {
		return b.sec
	}
	st := &secretState{values: map[string]string{}, public: map[string]bool{}, extra: map[string][]model.EnvVar{}, added: map[string]string{},
		rules: map[string]ruleResult{}}
	b.sec = st
	for _, fd := range b.app.Secrets {
		if v := strings.TrimSpace(string(fd.Content)); fd.Loaded && !strings.ContainsAny(v, "\n") && utf8.ValidString(v) {
			st.add(v, "secret "+fd.Name)
		}
	}
	for _, svc := range b.app.Services {
		for _, c := range svc.Containers {
			for _, e := range c.Env {
				if envEligible(e) {
					if secret, _ := st.rule(svc, e); secret {
						st.add(e.Value, e.Name)
					}
				}
			}
		}
	}
	for v := range st.values {
		st.sorted = append(st.sorted, v)
	}
	LongestFirst(st.sorted)
	st.publicTokens(b.app)
	st.index()
	b.planArgvSecrets(st)
	return st
}

func (st *secretState) add(v, holder string) {
	if len(v) < minSecretValue || secretrule.BooleanValue(v) {
		return
	}
	if _, ok := st.values[v]; !ok {
		st.values[v] = holder
	}
}

// index fills byPrefix from sorted and public.
func (st *secretState) index() {
	st.byPrefix = map[string][]int{}
	for i, v := range st.sorted {
		if !st.public[v] {
			k := v[:minSecretValue]
			st.byPrefix[k] = append(st.byPrefix[k], i)
			st.indexed++
		}
	}
}

// fewSecrets is the number of values up to which searching s once per value (strings.Contains
// is vectorized) beats one index lookup per byte of s.
const fewSecrets = 16

// occurring returns the non-public secret values that occur in s as substrings, in the order
// of sorted (longest first). Whether each stands where findSecret would find it is the
// caller's check.
func (st *secretState) occurring(s string) []string {
	if st.indexed == 0 || len(s) < minSecretValue {
		return nil
	}
	if st.indexed <= fewSecrets {
		var out []string
		for _, v := range st.sorted {
			if !st.public[v] && strings.Contains(s, v) {
				out = append(out, v)
			}
		}
		return out
	}
	var hit []int
	for i := 0; i+minSecretValue <= len(s); i++ {
		for _, j := range st.byPrefix[s[i:i+minSecretValue]] {
			if strings.HasPrefix(s[i:], st.sorted[j]) && !slices.Contains(hit, j) {
				hit = append(hit, j)
			}
		}
	}
	slices.Sort(hit)
	out := make([]string, len(hit))
	for i, j := range hit {
		out[i] = st.sorted[j]
	}
	return out
}

// publicTokens collects the tokens of names that are public by nature.
func (st *secretState) publicTokens(app *model.App) {
	for t := range PublicTokens(app) {
		st.public[t] = true
	}
}

// PublicTokens are the tokens of the app's names that are public by nature (app, services,
// hostnames, containers, images, volumes). A weak secret value equal to one (Kong's default
// password kong) cannot be told from the name: conversion replaces it only where it stands as
// a whole value, and the report's redaction never (it would hide the service's name in every
// message, while the manifests name it anyway).
func PublicTokens(app *model.App) map[string]bool {
	out := map[string]bool{}
	add := func(s string) {
		for _, t := range strings.FieldsFunc(s, func(r rune) bool { return !TokenChar(r) }) {
			out[t] = true
		}
	}
	add(app.Name)
	for _, svc := range app.Services {
		add(svc.Name)
		add(svc.Hostname)
		for _, c := range svc.Containers {
			add(c.Name)
			add(c.Image)
		}
	}
	for _, v := range app.Volumes {
		add(v.Name)
	}
	return out
}

// TokenChar reports the characters that make up one token: a secret value is found only where
// it is not glued to more of them (a weak password "gitea" is not found in "gitea-db"). The
// report's redaction and the rewriting of names in mounted files use the same tokens.
func TokenChar(c rune) bool {
	return c == '.' || c == '_' || c == '-' || unicode.IsLetter(c) || unicode.IsDigit(c)
}

// envSecret decides whether variable e of svc is secret, with the rule: the variable's own
// rules (secretrule/names.go), else a value equal to a secret value, or containing one as a token.
// x-berth.plainEnv wins over both.
func (b *builder) envSecret(svc *model.Service, e model.EnvVar) (bool, string) {
	st := b.secretInfo()
	if why, ok := st.added[svc.Name+"\x00"+e.Name+"\x00"+e.Value]; ok && e.Secret {
		return true, why
	}
	secret, why := st.rule(svc, e)
	if secret || why == "x-berth.plainEnv" || why == "x-berth.configEnv" {
		return secret, why
	}
	if holder, ok := st.values[e.Value]; ok {
		return true, "the value equals that of " + holder
	}
	for _, v := range st.occurring(e.Value) {
		if len(findSecret(e.Value, v)) > 0 {
			return true, "the value contains that of " + st.values[v]
		}
	}
	return false, why
}

// strongSecret is the length from which a secret value is found anywhere, glued or not: the
// chance that such a value is part of unrelated text is nil, and reading it through $(VAR) or
// a Secret gives the same string. Shorter values are found only as tokens.
const strongSecret = 8

// findSecret returns the byte offsets where v stands in s: anywhere when v is strong, else as a
// token, not glued to token characters on either side, except after a single-letter flag
// ("-pVALUE", mysql's form). A weak value standing as a whole path segment ("/etc/sentry/x",
// "/etc/sentry") is the path's, not the secret: a short password that is also a word of the
// app (its name) must not turn its paths into Secrets or $(VAR) references.
func findSecret(s, v string) []int {
	var out []int
	for off := 0; ; {
		i := strings.Index(s[off:], v)
		if i < 0 {
			return out
		}
		i += off
		end := i + len(v)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		strong := len(v) >= strongSecret
		left := strong || i == 0 || !TokenChar(before) || !TokenChar(firstRuneOf(v)) || shortFlag(s[:i])
		right := strong || end == len(s) || !TokenChar(after) || !TokenChar(lastRuneOf(v))
		if left && right && !WeakInPath(s, i, end) {
			out = append(out, i)
			off = end
		} else {
			off = i + 1
		}
	}
}

// WeakInPath reports whether s[i:end] is a weak secret value (shorter than strongSecret)
// standing as a whole path segment ("/etc/sentry/x", "/etc/sentry", "./sentry is left out"):
// there it is the path's word, not the secret. A segment ends at '/' or where the path does
// (the end, a space, a quote, a comma or a closing bracket); a URL's authority (after "//",
// "postgres://gitea:gitea@db") is no path. Conversion (findSecret) and the report's redaction
// both follow it.
func WeakInPath(s string, i, end int) bool {
	return end-i < strongSecret && i > 0 && s[i-1] == '/' && (i < 2 || s[i-2] != '/') &&
		(end == len(s) || strings.IndexByte("/ \t\n\"',;)]}", s[end]) >= 0)
}

// shortFlag reports whether prefix ends in a single-letter flag: "-p" at the start or after
// a space or quote.
func shortFlag(prefix string) bool {
	n := len(prefix)
	if n < 2 || prefix[n-2] != '-' || !isASCIILetter(prefix[n-1]) {
		return false
	}
	return n == 2 || strings.ContainsRune(" \t'\"=", rune(prefix[n-3]))
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func firstRuneOf(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRuneOf(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

// containerKey identifies a container of a service in secretState.extra.
func containerKey(svc string, ci int) string { return svc + "\x00" + strconv.Itoa(ci) }

// containerEnvOf is the environment of container ci of svc as berth places it: the input's,
// plus the variables added for secret values its argv uses.
func (b *builder) containerEnvOf(svc *model.Service, ci int) []model.EnvVar {
	extra := b.secretInfo().extra[containerKey(svc.Name, ci)]
	if len(extra) == 0 {
		return svc.Containers[ci].Env
	}
	return append(append([]model.EnvVar(nil), svc.Containers[ci].Env...), extra...)
}

// argvStrings are the strings of a container where Compose interpolation may have put a
// secret value.
func argvStrings(c *model.Container) []string {
	out := append(append([]string(nil), c.Command...), c.Args...)
	if c.Health != nil {
		out = append(out, c.Health.Command...)
	}
	return out
}

// planArgvSecrets finds the secret values in each container's argv that no secret variable of
// the container carries, and adds one: named like the variable that holds the value elsewhere
// when the container has no variable of that name, else BERTH_SECRET_<n>.
func (b *builder) planArgvSecrets(st *secretState) {
	for _, svc := range b.app.Services {
		for ci := range svc.Containers {
			c := &svc.Containers[ci]
			var found []string
			for _, s := range argvStrings(c) {
				for _, v := range st.occurring(s) {
					if len(findSecret(s, v)) > 0 && !slices.Contains(found, v) {
						found = append(found, v)
					}
				}
			}
			for _, v := range found {
				if b.secretVarFor(svc, c.Env, v) != "" {
					continue
				}
				key := containerKey(svc.Name, ci)
				name := st.values[v]
				if strings.HasPrefix(name, "secret ") || !validEnvName(name) || hasKey(c.Env, name) || hasKey(st.extra[key], name) {
					name = "BERTH_SECRET_" + strconv.Itoa(len(st.extra[key])+1)
				}
				st.extra[key] = append(st.extra[key], model.EnvVar{Name: name, Value: v, Secret: true, Field: commandField(c)})
				st.added[svc.Name+"\x00"+name+"\x00"+v] = "added: the command or healthcheck uses the value of " + st.values[v] +
					", which the container now reads from its Secret"
			}
		}
	}
}

// secretVarFor returns a secret variable of env whose value is v, or "".
func (b *builder) secretVarFor(svc *model.Service, env []model.EnvVar, v string) string {
	for _, e := range env {
		if b.carries(svc, e, v) {
			return e.Name
		}
	}
	return ""
}

// carries reports whether variable e of svc can carry secret value v: it holds v, it is
// eligible and referenceable, and it is secret by its own rule or holds a known secret value
// that x-berth does not declare plain or config.
func (b *builder) carries(svc *model.Service, e model.EnvVar, v string) bool {
	if !envEligible(e) || e.Value != v || !validEnvName(e.Name) {
		return false
	}
	secret, _ := b.sec.rule(svc, e)
	return secret || b.sec.values[v] != "" && !slices.Contains(svc.Options.PlainEnv, e.Name) && !slices.Contains(svc.Options.ConfigEnv, e.Name)
}

// validEnvName reports a name $(NAME) and "$NAME" can reference: a C identifier.
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isASCIILetter(c) || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// span is one occurrence of a secret value in a string.
type span struct {
	start, end int
	value      string
}

// secretSpans returns the non-overlapping occurrences of secret values in s, in order; longer
// values first, so a value containing another is found whole.
func (st *secretState) secretSpans(s string) []span {
	var out []span
	for _, v := range st.occurring(s) {
	next:
		for _, i := range findSecret(s, v) {
			for _, o := range out {
				if i < o.end && o.start < i+len(v) {
					continue next
				}
			}
			out = append(out, span{i, i + len(v), v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// secretRefs maps each secret value container ci of svc uses to the variable that carries it.
func (b *builder) secretRefs(svc *model.Service, ci int) map[string]string {
	refs := map[string]string{}
	env := b.containerEnvOf(svc, ci)
	st := b.secretInfo()
	for _, e := range env {
		if _, known := st.values[e.Value]; !known {
			continue
		}
		if _, done := refs[e.Value]; !done && b.carries(svc, e, e.Value) {
			refs[e.Value] = e.Name
		}
	}
	return refs
}

// refArgv escapes argv for the kubelet's $(VAR) expansion, writing $(VAR) for each secret
// value a variable of the container carries: the kubelet expands it from the container's
// environment, envFrom Secrets included.
func (b *builder) refArgv(svc *model.Service, ci int, argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	st, refs := b.secretInfo(), b.secretRefs(svc, ci)
	out := make([]string, len(argv))
	for i, a := range argv {
		var sb strings.Builder
		last := 0
		for _, sp := range st.secretSpans(a) {
			if name := refs[sp.value]; name != "" {
				sb.WriteString(escapeExpansion(a[last:sp.start]))
				sb.WriteString("$(" + name + ")")
				last = sp.end
			}
		}
		sb.WriteString(escapeExpansion(a[last:]))
		out[i] = sb.String()
	}
	return out
}

// refShell rewrites a shell command line so each secret value is read from its variable:
// "${VAR}" unquoted, ${VAR} inside double quotes, '"${VAR}"' inside single quotes. It reports
// whether it replaced anything.
func (b *builder) refShell(svc *model.Service, ci int, cmd string) (string, bool) {
	refs := b.secretRefs(svc, ci)
	var sb strings.Builder
	last, changed := 0, false
	quote := byte(0)
	scan := 0
	for _, sp := range b.secretInfo().secretSpans(cmd) {
		name := refs[sp.value]
		if name == "" {
			continue
		}
		quote = shellQuoteState(cmd, scan, sp.start, quote)
		scan = sp.end
		sb.WriteString(cmd[last:sp.start])
		switch quote {
		case '\'':
			sb.WriteString(`'"${` + name + `}"'`)
		case '"':
			sb.WriteString("${" + name + "}")
		default:
			sb.WriteString(`"${` + name + `}"`)
		}
		last, changed = sp.end, true
	}
	sb.WriteString(cmd[last:])
	return sb.String(), changed
}

// shellQuoteState returns the quoting in effect at s[to], scanning s[from:to] from state q
// (0, '\” or '"').
func shellQuoteState(s string, from, to int, q byte) byte {
	for i := from; i < to; i++ {
		c := s[i]
		switch {
		case q == '\'':
			if c == '\'' {
				q = 0
			}
		case c == '\\':
			i++
		case q == '"':
			if c == '"' {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		}
	}
	return q
}

// refExecProbe turns an exec-form probe whose argv holds secret values into a shell command
// reading them from the container's variables (the kubelet does not expand $(VAR) from
// Secrets in probes): /bin/sh -c 'exec ARGV' with each value "${VAR}". ok is false when the
// argv holds no secret value a variable carries.
func (b *builder) refExecProbe(svc *model.Service, ci int, argv []string) (string, bool) {
	refs, st := b.secretRefs(svc, ci), b.secretInfo()
	parts := make([]string, len(argv))
	changed := false
	for i, a := range argv {
		var sb strings.Builder
		last := 0
		for _, sp := range st.secretSpans(a) {
			if name := refs[sp.value]; name != "" {
				if sp.start > last {
					sb.WriteString(shellQuote(a[last:sp.start]))
				}
				sb.WriteString(`"${` + name + `}"`)
				last, changed = sp.end, true
			}
		}
		if last < len(a) || last == 0 {
			sb.WriteString(shellQuote(a[last:]))
		}
		parts[i] = sb.String()
	}
	return "exec " + strings.Join(parts, " "), changed
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// secretContent reports whether content holds a secret value of the app as a token, and
// names the variable or secret it belongs to.
func (b *builder) secretContent(content []byte) (string, bool) {
	st := b.secretInfo()
	if !utf8.Valid(content) {
		return "", false
	}
	text := string(content)
	for _, v := range st.occurring(text) {
		if len(findSecret(text, v)) > 0 {
			return st.values[v], true
		}
	}
	return "", false
}

// secretFileContent reports whether a file berth builds into an object must be a Secret: it
// looks like credentials (secretFile), or it holds a secret value of the app.
func (b *builder) secretFileContent(name string, content []byte) bool {
	if secretrule.File(name, content) {
		return true
	}
	_, ok := b.secretContent(content)
	return ok
}
