package secretrule

import (
	"math"
	"regexp"
	"strings"
	"sync"
)

// Secret detection by value: whatever a variable is called, some values are credentials by
// their shape. The rules are the value half of the table in docs/secrets.md.

// tokenShapes are the shapes of well-known provider credentials, each with what it is.
var tokenShapes = []struct{ what, re string }{
	{"an AWS access key id", `^(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}$`},
	{"a GitHub token", `^(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})$`},
	{"a GitLab token", `^glpat-[A-Za-z0-9_-]{20,}$`},
	{"a Slack token", `^xox[abposr]-[A-Za-z0-9-]{10,}$`},
	{"a Stripe key", `^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$`},
	{"a Google API key", `^AIza[0-9A-Za-z_-]{35}$`},
	{"an OpenAI-style key", `^sk-[A-Za-z0-9_-]{20,}$`},
	{"a SendGrid key", `^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$`},
	{"an npm token", `^npm_[A-Za-z0-9]{36}$`},
	{"a JWT", `^eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$`},
}

var tokenShapeRes = func() []func() *regexp.Regexp {
	out := make([]func() *regexp.Regexp, len(tokenShapes))
	for i, t := range tokenShapes {
		out[i] = lazyRegexp(t.re)
	}
	return out
}()

// entropyRule is the reason of the high-entropy rule, the one public names override.
const entropyRule = "the value is a high-entropy string"

// Value reports whether a value looks like a credential whatever its name.
func Value(v string) bool { return secretValueRule(v) != "" }

// secretValueRule names the value rule v matches, or "": a URL with a password
// (postgres://u:p@db/x, redis://:p@cache), a connection or query string with a password or
// token parameter, PEM key material (not certificates or public keys), a well-known token
// shape (AKIA..., JWTs, ghp_...), or a high-entropy string.
func secretValueRule(v string) string {
	if pemSecret(v) {
		return "the value is PEM key material"
	}
	if CredentialValue(v) {
		return "the value holds a password or token (URL userinfo or parameter)"
	}
	t := strings.TrimSpace(v)
	if len(t) < 15 || strings.ContainsAny(t, " \t\n") {
		return "" // shorter than every token shape and than minEntropyLen; or several words
	}
	for i, re := range tokenShapeRes {
		if re().MatchString(t) {
			return "the value is shaped like " + tokenShapes[i].what
		}
	}
	if highEntropy(t) {
		return entropyRule
	}
	return ""
}

// pemSecret reports PEM blocks other than certificates, public keys and CRLs.
func pemSecret(v string) bool {
	for rest := v; ; {
		i := strings.Index(rest, "-----BEGIN ")
		if i < 0 {
			return false
		}
		rest = rest[i+len("-----BEGIN "):]
		kind, _, _ := strings.Cut(rest, "-----")
		switch kind {
		case "CERTIFICATE", "TRUSTED CERTIFICATE", "PUBLIC KEY", "X509 CRL", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "PGP PUBLIC KEY BLOCK", "SSH2 PUBLIC KEY":
			continue
		}
		return true
	}
}

// minEntropyLen is the shortest value the entropy rule considers: shorter random strings are
// caught only by name.
const minEntropyLen = 20

// highEntropy reports a random-looking token: at least minEntropyLen characters of the base64,
// base64url or base62 alphabets, mixing upper case, lower case and digits, with at least 4
// bits of Shannon entropy per character (3.5 below 32 characters, where even random text
// cannot reach 5), and changing character class (upper, lower, digit, symbol) between at least
// 40 % of neighbouring characters: random base62 changes at about 60 %, CamelCase words with a
// year (MyCompanyCluster2024) at under 30 %. Hex strings (digests, commit ids) and anything with a space, a '.' or a ':'
// (hosts, versions, URLs, paths with dots) are left to the name rules, so that image digests
// and versions do not become secrets.
func highEntropy(v string) bool {
	if len(v) < minEntropyLen || len(v) > 4096 || strings.HasPrefix(v, "/") {
		return false
	}
	var upper, lower, digit bool
	counts := map[rune]int{}
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r == '+' || r == '/' || r == '=' || r == '_' || r == '-':
		default:
			return false
		}
		counts[r]++
	}
	if !upper || !lower || !digit || classChanges(v) < 2*(len(v)-1)/5 {
		return false
	}
	h := 0.0
	n := float64(len(v))
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	if len(v) < 32 {
		return h >= 3.5
	}
	return h >= 4
}

// classChanges counts the neighbouring characters of v of different classes.
func classChanges(v string) int {
	class := func(c byte) int {
		switch {
		case c >= 'A' && c <= 'Z':
			return 0
		case c >= 'a' && c <= 'z':
			return 1
		case c >= '0' && c <= '9':
			return 2
		}
		return 3
	}
	n := 0
	for i := 1; i < len(v); i++ {
		if class(v[i]) != class(v[i-1]) {
			n++
		}
	}
	return n
}

// lazyRegexp compiles expr on first use, so that berth starts without compiling every pattern.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
