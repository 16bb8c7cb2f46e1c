package convert

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/berth-dev/berth/pkg/model"
)

// The fuzz targets of the connection audit and the secret classifier (scripts/fuzz.sh runs
// them; plain `go test` runs their seeds). Run one with:
//
//	go test ./pkg/convert -run '^$' -fuzz FuzzConnAddr -fuzztime 2m

// FuzzConnAddr: the address scan never panics, finds only hosts and ports that stand in the
// value, never reports a URL's password as a host, and is deterministic.
func FuzzConnAddr(f *testing.F) {
	for _, s := range []string{"postgres://app:s3cretPW@db:5432/app", "redis://cache", "PLAINTEXT://kafka:9092,SSL://kafka2:9093",
		"mysql://u:p@tcp(db:3306)/x", "http://[::1]:8080/x", "Host=db;Port=5432;Password=x", "kafka:9092", "12:30:00",
		"user:5432pass", "amqp://guest:guest@mq", "-h db -p 5432", "ws://a:99999", "x://@:0", "a:1,b:2;c:3"} {
		f.Add(s, "app", "pw12345678", "db", uint16(5432))
	}
	f.Fuzz(func(t *testing.T, value, user, pass, host string, port uint16) {
		check := func(v string) []addr {
			got := addrsIn(v)
			again := addrsIn(v)
			if len(got) != len(again) {
				t.Fatalf("addrsIn(%q) not deterministic: %v then %v", v, got, again)
			}
			lower := strings.ToLower(v)
			seen := map[addr]bool{}
			for i, a := range got {
				if a != again[i] {
					t.Fatalf("addrsIn(%q) not deterministic: %v then %v", v, got, again)
				}
				if a.Host == "" || !strings.Contains(lower, strings.ToLower(a.Host)) {
					t.Fatalf("addrsIn(%q): host %q does not stand in the value", v, a.Host)
				}
				if a.Port < 0 || a.Port > 65535 {
					t.Fatalf("addrsIn(%q): port %d", v, a.Port)
				}
				if seen[a] {
					t.Fatalf("addrsIn(%q): %v twice", v, a)
				}
				seen[a] = true
			}
			return got
		}
		check(value)
		for _, argv := range shellCommands(value) {
			argAddrs(argv)
		}
		// A URL with a password: the password is never reported as (part of) a host.
		if !plainWord(pass) || len(pass) < 6 || !plainWord(user) || !plainWord(host) || port == 0 {
			return
		}
		url := value + " postgres://" + user + ":" + pass + "@" + host + ":" + strconv.Itoa(int(port)) + "/db"
		if strings.Count(url, pass) != 1 {
			return // the password also stands elsewhere, as itself
		}
		for _, a := range check(url) {
			if strings.Contains(a.Host, pass) {
				t.Fatalf("addrsIn(%q): the password is reported as host %q", url, a.Host)
			}
		}
	})
}

// plainWord reports a non-empty word of letters and digits only.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// FuzzSecretClassifier: the classifier never panics, is deterministic, never puts the value in
// its reason, honours x-berth (plainEnv keeps a variable plain, secretEnv makes it secret), and
// classifies a URL carrying a password secret whatever the variable's name.
func FuzzSecretClassifier(f *testing.F) {
	for _, s := range [][2]string{{"POSTGRES_PASSWORD", "example"}, {"DATABASE_URL", "postgres://u:p4ss@db/app"},
		{"SENTRY_DSN", "https://key@sentry.io/1"}, {"PASSWORD_FILE", "/run/secrets/db"}, {"TLS_KEY", "certs/tls.key"},
		{"VAPID_PUBLIC_KEY", "BPx8fJ2kLq9wZ3mN7vR1sT4uY6aC0dE5gH"}, {"LOG_LEVEL", "debug"}, {"API_TOKEN", "true"},
		{"GITHUB_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}, {"X", "-----BEGIN PRIVATE KEY-----"}} {
		f.Add(s[0], s[1], "u", "pw9Xq2Lm")
	}
	f.Fuzz(func(t *testing.T, name, value, user, pass string) {
		svc := &model.Service{Name: "app"}
		e := model.EnvVar{Name: name, Value: value}
		secret, why := envRule(svc, e)
		if s2, w2 := envRule(svc, e); s2 != secret || w2 != why {
			t.Fatalf("envRule(%q=%q) not deterministic", name, value)
		}
		if len(value) >= 5 && strings.ContainsAny(value, "0123456789") && strings.Contains(why, value) {
			t.Fatalf("envRule(%q=%q): the reason %q holds the value", name, value, why)
		}
		svc.Options.PlainEnv = []string{name}
		if s, _ := envRule(svc, e); s {
			t.Fatalf("envRule(%q): secret although x-berth.plainEnv names it", name)
		}
		svc.Options.PlainEnv, svc.Options.SecretEnv = nil, []string{name}
		if s, _ := envRule(svc, e); !s {
			t.Fatalf("envRule(%q): plain although x-berth.secretEnv names it", name)
		}
		if plainWord(user) && plainWord(pass) && len(pass) >= 4 {
			svc.Options.SecretEnv = nil
			url := model.EnvVar{Name: name, Value: "postgres://" + user + ":" + pass + "@db:5432/app"}
			if s, why := envRule(svc, url); !s {
				t.Fatalf("envRule(%q=%q): plain (%s), want secret: the URL carries a password", name, url.Value, why)
			}
		}
	})
}
