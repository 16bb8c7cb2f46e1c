package convert

import (
	"slices"
	"strings"
	"unicode"

	"github.com/berth-dev/berth/pkg/model"
)

// Secret detection for environment variables. berth errs on the side of a Secret: a false
// positive costs a line in a Secret instead of a ConfigMap, a false negative leaks a credential
// into a ConfigMap anyone with read access to the namespace can see. x-berth.plainEnv undoes a
// false positive, x-berth.secretEnv adds what the rules miss.

// secretSubstrings mark a variable as secret wherever they appear in its name (upper-cased, with
// separators removed): DBPASSWORD, githubToken, MYSQL_ROOT_PASSWORD.
var secretSubstrings = []string{
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL",
	"APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "AUTHKEY", "SIGNINGKEY", "ENCRYPTIONKEY",
}

// secretWords mark a variable as secret when they are a whole word of its name (split at
// separators and camelCase): API_KEY, apiKey, DB_PASS, AUTH, SENTRY_DSN; not KEYBOARD or MONKEY.
var secretWords = []string{"KEY", "KEYS", "PASS", "PWD", "AUTH", "DSN", "SALT", "CREDS", "HMAC", "JWT"}

// pathWords end names whose value is usually a path to the secret rather than the secret:
// POSTGRES_PASSWORD_FILE=/run/secrets/db.
var pathWords = []string{"FILE", "PATH", "DIR", "LOCATION"}

// secretEnv reports whether variable e of svc belongs in a Secret. Explicit x-berth settings
// win: plainEnv keeps a variable plain, secretEnv (or e.Secret) makes it secret; otherwise the
// name and the shape of the value decide.
func secretEnv(svc *model.Service, e model.EnvVar) bool {
	if slices.Contains(svc.Options.PlainEnv, e.Name) {
		return false
	}
	if e.Secret || slices.Contains(svc.Options.SecretEnv, e.Name) {
		return true
	}
	return secretName(e.Name, e.Value) || secretValue(e.Value)
}

// secretName reports whether a variable named name (with value value) looks secret by name.
func secretName(name, value string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	if len(words) > 1 && slices.Contains(pathWords, words[len(words)-1]) && strings.HasPrefix(value, "/") {
		return false // a path to a secret file, not the secret
	}
	joined := strings.Join(words, "")
	for _, s := range secretSubstrings {
		if strings.Contains(joined, s) {
			return true
		}
	}
	for _, w := range words {
		if w == "PWD" && len(words) == 1 {
			continue // $PWD is the working directory
		}
		if slices.Contains(secretWords, w) {
			return true
		}
	}
	return false
}

// nameWords splits a variable name into upper-case words at non-alphanumerics and camelCase
// boundaries: "dbPassword" → DB PASSWORD, "APIKey" → API KEY, "MYSQL_ROOT_PASSWORD" → MYSQL ROOT
// PASSWORD.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && unicode.IsUpper(r) && len(cur) > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// secretValue reports whether a value looks like a credential whatever its name: a URL with a
// password (postgres://u:p@db/x, redis://:p@cache) or PEM-encoded key or certificate material.
func secretValue(v string) bool {
	if strings.Contains(v, "-----BEGIN ") {
		return true
	}
	for rest := v; ; {
		i := strings.Index(rest, "://")
		if i < 0 {
			return false
		}
		rest = rest[i+3:]
		auth := rest
		if j := strings.IndexAny(auth, "/?# \t\n"); j >= 0 {
			auth = auth[:j]
		}
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if c := strings.IndexByte(auth[:at], ':'); c >= 0 && c < at-1 {
				return true
			}
		}
	}
}
