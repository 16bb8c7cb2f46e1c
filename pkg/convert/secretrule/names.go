package secretrule

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
// false positive, x-berth.secretEnv adds what the rules miss. The rules are the table in
// docs/secrets.md; testdata/secret-names.tsv holds the labelled names that test them.

// secretSubstrings mark a variable as secret wherever they appear in its name (upper-cased, with
// separators removed): DBPASSWORD, githubToken, MYSQL_ROOT_PASSWORD.
var secretSubstrings = []string{
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL",
	"APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "AUTHKEY", "SIGNINGKEY", "ENCRYPTIONKEY",
}

// secretWords mark a variable as secret when they are the last word of its name (split at
// separators and camelCase), ignoring encoding and version qualifiers: API_KEY, apiKey, DB_PASS,
// BASIC_AUTH, SENTRY_DSN, SIGNING_KEY_B64, APP_KEY_V1; not KEYBOARD, MONKEY or KEY_PREFIX.
var secretWords = []string{"KEY", "KEYS", "PASS", "PWD", "PW", "PASSWD", "AUTH", "DSN", "SALT", "PEPPER", "CREDS", "HMAC", "COOKIE"}

// secretPrefixWords make a variable secret wherever they stand as a word (JWT_SIGNING,
// MY_JWT), unless a setting word ends the name (JWT_EXPIRY).
var secretPrefixWords = []string{"JWT"}

// gluedPass are last words that end in PASS/PWD but are not passwords (CACHE_BYPASS).
var gluedPass = []string{"BYPASS", "COMPASS", "SURPASS", "TRESPASS", "OVERPASS", "UNDERPASS"}

// qualifierWords are encoding suffixes skipped before the last word: API_KEY_B64.
var qualifierWords = []string{"B64", "BASE64", "HEX", "PEM", "DER", "RAW", "VALUE", "DATA", "STRING", "ENCODED", "JSON",
	"OLD", "NEW", "PREV", "PREVIOUS", "CURRENT", "NEXT", "PRIMARY", "SECONDARY"}

// versionWord matches version suffixes skipped like qualifiers: APP_KEY_V1, ENCRYPTION_KEY_2.
var versionWord = lazyRegexp(`^V?[0-9]+$`)

// settingWords end names that describe a secret rather than hold it: PASSWORD_MIN_LENGTH,
// TOKEN_TTL, JWT_EXPIRY, AUTH_URL, SMTP_AUTH_ENABLED, SECRET_NAME. A value that is itself a
// credential (a URL with a password) is still caught by the value rules.
var settingWords = []string{
	"MIN", "MAX", "LENGTH", "LEN", "MINLENGTH", "MAXLENGTH", "TTL", "EXPIRY", "EXPIRES", "EXPIRE", "EXPIRATION",
	"LIFETIME", "TIMEOUT", "AGE", "ROUNDS", "ITERATIONS", "COST", "ENABLED", "ENABLE", "DISABLED", "DISABLE",
	"REQUIRED", "POLICY", "HOST", "HOSTNAME", "PORT", "URL", "URI", "ENDPOINT", "ADDR", "ADDRESS", "USER",
	"USERNAME", "NAME", "TYPE", "MODE", "SCHEME", "ALGORITHM", "ALGO", "ALG", "HEADER", "ISSUER", "AUDIENCE",
	"PROVIDER", "REGION", "BUCKET", "VERSION", "PREFIX", "SUFFIX", "COUNT", "SIZE", "LIMIT", "INTERVAL", "EMAIL",
	"FORMAT", "STRATEGY", "METHOD", "LEVEL", "COMPLEXITY", "STRENGTH", "HINT", "LOCATION",
}

// publicWords before a key word make it public: PUBLIC_KEY, VAPID_PUBLIC_KEY, STRIPE_PUBLISHABLE_KEY.
var publicWords = []string{"PUBLIC", "PUB", "PUBLISHABLE"}

// pathWords end names whose value is usually a path to the secret rather than the secret:
// POSTGRES_PASSWORD_FILE=/run/secrets/db.
var pathWords = []string{"FILE", "PATH", "DIR", "LOCATION"}

// keyFileExt matches a relative or absolute path to a key or certificate file
// (certs/tls.key); base64 and hex secrets never contain a '.'.
var keyFileExt = lazyRegexp(`^[A-Za-z0-9_./~-]*[A-Za-z0-9_-]\.(key|pem|crt|cer|cert|der|p12|pfx|jks|keystore|json|txt)$`)

// credentialParam finds credentials in connection strings and query strings:
// "Host=db;Password=x", "?password=x", "&access_token=x", "AccountName=a;AccountKey=x".
var credentialParam = lazyRegexp(`(?i)(^|[;?&\s])(password|passwd|pwd|pass|secret|token|access_token|auth_token|api_key|apikey|client_secret|accountkey|sharedaccesskey|sharedaccesssignature)=[^;&\s]`)

// Env reports whether variable e of svc belongs in a Secret by the rules that need only
// the variable itself (see EnvRule); the builder adds "same value as a secret" (secrets.go).
func Env(svc *model.Service, e model.EnvVar) bool {
	secret, _ := EnvRule(svc, e)
	return secret
}

// EnvRule decides whether variable e of svc is secret and names the rule that decided ("" when
// no rule fired and the variable is plain by default). Explicit x-berth settings win:
// plainEnv (or configEnv) keeps a variable plain, Env (or e.Secret) makes it secret; then the value's
// shape, then the name. The rule never includes the value.
func EnvRule(svc *model.Service, e model.EnvVar) (bool, string) {
	if slices.Contains(svc.Options.PlainEnv, e.Name) {
		return false, "x-berth.plainEnv"
	}
	if slices.Contains(svc.Options.ConfigEnv, e.Name) {
		return false, "x-berth.configEnv"
	}
	if e.Secret || slices.Contains(svc.Options.SecretEnv, e.Name) {
		return true, "x-berth.secretEnv"
	}
	if why := secretValueRule(e.Value); why != "" && !(why == entropyRule && publicName(e.Name)) {
		return true, why
	}
	return nameRule(e.Name, e.Value)
}

// publicName reports a name that says its value is public (VAPID_PUBLIC_KEY): a random-looking
// value under it is not secret by entropy alone (token shapes and PEM keys still are).
func publicName(name string) bool {
	words := nameWords(name)
	for i := 0; i+1 < len(words); i++ {
		if slices.Contains(publicWords, words[i]) && strings.HasPrefix(words[i+1], "KEY") {
			return true
		}
	}
	return false
}

// Name reports whether a variable named name (with value value) looks secret by name.
func Name(name, value string) bool {
	secret, _ := nameRule(name, value)
	return secret
}

// nameRule decides by name (with the value only to tell paths, booleans and credential-free
// DSNs apart) and names the rule. A value that is a path to a file
// (POSTGRES_PASSWORD_FILE=/run/secrets/db, TLS_KEY=certs/tls.key) is not the secret itself.
func nameRule(name, value string) (bool, string) {
	words := nameWords(name)
	if len(words) == 0 {
		return false, ""
	}
	if pathValue(words, value) {
		return false, "the value is a path to a file"
	}
	last := len(words) - 1
	for last > 0 && (slices.Contains(qualifierWords, words[last]) || versionWord().MatchString(words[last])) {
		last--
	}
	why := secretByName(words, last)
	if why == "" {
		return false, ""
	}
	if last > 0 && slices.Contains(settingWords, words[last]) {
		return false, "the name ends in " + words[last] + ": a setting about a secret, not one"
	}
	if BooleanValue(value) {
		return false, "the value is a boolean"
	}
	if words[last] == "DSN" && value != "" && !dsnCredentials(value) {
		return false, "a DSN without credentials"
	}
	return true, why
}

// secretByName is the name rule that makes words (whose last meaningful word is words[last])
// secret, or "".
func secretByName(words []string, last int) string {
	w := words[last]
	public := last > 0 && slices.Contains(publicWords, words[last-1])
	joined := strings.Join(words, "")
	for _, s := range secretSubstrings {
		if strings.Contains(joined, s) && !(public && strings.HasSuffix(s, "KEY")) {
			return "the name contains " + s
		}
	}
	for _, p := range secretPrefixWords {
		if slices.Contains(words[:last+1], p) && !public {
			return "the name has the word " + p
		}
	}
	switch {
	case w == "PWD" && len(words) == 1:
		return "" // $PWD is the working directory
	case public:
		return ""
	case slices.Contains(secretWords, w):
		return "the name ends in " + w
	case (strings.HasSuffix(w, "PASS") || strings.HasSuffix(w, "PWD")) && !slices.Contains(gluedPass, w):
		return "the name ends in a glued PASS/PWD (" + w + ")"
	case strings.HasSuffix(joined, "DBROOT"):
		return "the name ends in DBROOT (a database root password by convention)"
	}
	return ""
}

// BooleanValue reports a value that is a switch, never a credential.
func BooleanValue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled":
		return true
	}
	return false
}

// dsnCredentials reports whether a DSN carries credentials: a user in a URL's userinfo
// (https://key@sentry.io/1 carries the key as the user), or a password parameter.
func dsnCredentials(v string) bool {
	if CredentialValue(v) {
		return true
	}
	if i := strings.Index(v, "://"); i >= 0 {
		auth := v[i+3:]
		if j := strings.IndexAny(auth, "/?#"); j >= 0 {
			auth = auth[:j]
		}
		return strings.Contains(auth, "@")
	}
	return false
}

// pathValue reports whether value is a file path rather than a secret: an absolute or ./
// path under a name ending in FILE/PATH/DIR, or any path to a key/certificate-like file.
func pathValue(words []string, value string) bool {
	if value == "" || strings.ContainsAny(value, " \t\n") {
		return false
	}
	if strings.HasPrefix(value, "/run/secrets/") || strings.HasPrefix(value, "/var/run/secrets/") {
		return true // where Compose and Kubernetes mount secret files
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

// CredentialValue reports whether v holds a URL with a password or a password or token
// parameter.
func CredentialValue(v string) bool {
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
	return Name(key, value)
}

// jsonSetting matches "key": "value" pairs anywhere in a line (JSON on one line).
var jsonSetting = lazyRegexp(`"([A-Za-z0-9_.-]+)"\s*:\s*"([^"]*)"`)

// File reports whether a bind-mounted file holds key material or credentials: private
// keys, keystores, env and password files by name, or text whose settings look secret by the
// rules for environment variables (password: x, API_KEY=x, a URL with a password). Public
// certificates stay in ConfigMaps. Such files go to a Secret.
func File(name string, content []byte) bool {
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
		if CredentialValue(line) {
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
