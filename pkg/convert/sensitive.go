package convert

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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

// secretWords mark a variable as secret when they are the last word of its name (split at
// separators and camelCase), ignoring encoding qualifiers: API_KEY, apiKey, DB_PASS, BASIC_AUTH,
// SENTRY_DSN, SIGNING_KEY_B64; not KEYBOARD, MONKEY, KEY_PREFIX or GF_AUTH_ANONYMOUS_ENABLED.
var secretWords = []string{"KEY", "KEYS", "PASS", "PWD", "AUTH", "DSN", "SALT", "CREDS", "HMAC"}

// qualifierWords are encoding suffixes skipped before the last word: API_KEY_B64.
var qualifierWords = []string{"B64", "BASE64", "HEX", "PEM", "DER", "RAW", "VALUE", "DATA", "STRING", "ENCODED", "JSON"}

// pathWords end names whose value is usually a path to the secret rather than the secret:
// POSTGRES_PASSWORD_FILE=/run/secrets/db.
var pathWords = []string{"FILE", "PATH", "DIR", "LOCATION"}

// keyFileExt matches a relative or absolute path to a key or certificate file
// (certs/tls.key); base64 and hex secrets never contain a '.'.
var keyFileExt = lazyRegexp(`^[A-Za-z0-9_./~-]*[A-Za-z0-9_-]\.(key|pem|crt|cer|cert|der|p12|pfx|jks|keystore|json|txt)$`)

// credentialParam finds credentials in connection strings and query strings:
// "Host=db;Password=x", "?password=x", "&access_token=x".
var credentialParam = lazyRegexp(`(?i)(^|[;?&\s])(password|passwd|pwd|pass|secret|token|access_token|api_key|apikey|client_secret)=[^;&\s]`)

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
// A value that is a path to a file (POSTGRES_PASSWORD_FILE=/run/secrets/db,
// TLS_KEY=certs/tls.key) is not the secret itself.
func secretName(name, value string) bool {
	words := nameWords(name)
	if len(words) == 0 || pathValue(words, value) {
		return false
	}
	joined := strings.Join(words, "")
	for _, s := range secretSubstrings {
		if strings.Contains(joined, s) {
			return true
		}
	}
	last := len(words) - 1
	for last > 0 && slices.Contains(qualifierWords, words[last]) {
		last--
	}
	if words[last] == "PWD" && len(words) == 1 {
		return false // $PWD is the working directory
	}
	return slices.Contains(secretWords, words[last])
}

// pathValue reports whether value is a file path rather than a secret: an absolute or ./
// path under a name ending in FILE/PATH/DIR, or any path to a key/certificate-like file.
func pathValue(words []string, value string) bool {
	if value == "" || strings.ContainsAny(value, " \t\n") {
		return false
	}
	if len(words) > 1 && slices.Contains(pathWords, words[len(words)-1]) &&
		(strings.HasPrefix(value, "/") || strings.HasPrefix(value, "./")) {
		return true
	}
	return keyFileExt().MatchString(value)
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
// password (postgres://u:p@db/x, redis://:p@cache), a connection or query string with a
// password or token parameter, or PEM-encoded key or certificate material.
func secretValue(v string) bool {
	return strings.Contains(v, "-----BEGIN ") || credentialValue(v)
}

// credentialValue reports whether v holds a URL with a password or a password or token
// parameter.
func credentialValue(v string) bool {
	if strings.IndexByte(v, '=') >= 0 && credentialParam().MatchString(v) { // the '=' test is a cheap filter
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

// secretFileExts and secretFileWords mark a file as key material or credentials by name.
var (
	secretFileExts  = []string{".key", ".p12", ".pfx", ".jks", ".keystore", ".env", ".htpasswd", ".pgpass", ".netrc"}
	secretFileWords = []string{"secret", "password", "passwd", "credential", "token", "id_rsa", "id_ecdsa", "id_ed25519"}
)

// settingLine matches "key: value", "key = value", KEY=value and "key": "value" lines of
// configuration files.
var settingLine = lazyRegexp(`^\s*(?:export\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*(?::|=>?)\s*["']?([^"'\s,#]*)`)

// literalSecret reports whether setting key holds a literal secret value: a reference to a
// variable or a template (${DB_PASSWORD}, $DB_PASSWORD, {{ .pw }}) is not one.
func literalSecret(key, value string) bool {
	if value == "" || strings.HasPrefix(value, "$") || strings.HasPrefix(value, "{{") || strings.HasPrefix(value, "%(") {
		return false
	}
	return secretName(key, value)
}

// jsonSetting matches "key": "value" pairs anywhere in a line (JSON on one line).
var jsonSetting = lazyRegexp(`"([A-Za-z0-9_.-]+)"\s*:\s*"([^"]*)"`)

// secretFile reports whether a bind-mounted file holds key material or credentials: private
// keys, keystores, env and password files by name, or text whose settings look secret by the
// rules for environment variables (password: x, API_KEY=x, a URL with a password). Public
// certificates stay in ConfigMaps. Such files go to a Secret.
func secretFile(name string, content []byte) bool {
	base := strings.ToLower(path.Base(name))
	for _, ext := range secretFileExts {
		if strings.HasSuffix(base, ext) || base == strings.TrimPrefix(ext, ".") {
			return true
		}
	}
	for _, word := range secretFileWords {
		if strings.Contains(base, word) {
			return true
		}
	}
	if !utf8.Valid(content) {
		return bytes.Contains(content, []byte("PRIVATE KEY-----"))
	}
	text := string(content)
	if strings.Contains(text, "PRIVATE KEY-----") {
		return true
	}
	for line := range strings.Lines(text) {
		if credentialValue(line) {
			return true
		}
		if m := settingLine().FindStringSubmatch(line); m != nil && literalSecret(m[1], m[2]) {
			return true
		}
		for _, m := range jsonSetting().FindAllStringSubmatch(line, -1) {
			if literalSecret(m[1], m[2]) {
				return true
			}
		}
	}
	return false
}
