package secretrule

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/hostile"
	"github.com/berth-dev/berth/pkg/model"
)

// The fuzz target of the secret classifier (scripts/fuzz.sh runs it; plain `go test` runs its
// seeds). Run it with:
//
//	go test ./pkg/convert/secretrule -run '^$' -fuzz FuzzSecretClassifier -fuzztime 2m

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
		secret, why := EnvRule(svc, e)
		if s2, w2 := EnvRule(svc, e); s2 != secret || w2 != why {
			t.Fatalf("EnvRule(%q=%q) not deterministic", name, value)
		}
		if len(value) >= 5 && strings.ContainsAny(value, "0123456789") && strings.Contains(why, value) {
			t.Fatalf("EnvRule(%q=%q): the reason %q holds the value", name, value, why)
		}
		svc.Options.PlainEnv = []string{name}
		if s, _ := EnvRule(svc, e); s {
			t.Fatalf("EnvRule(%q): secret although x-berth.plainEnv names it", name)
		}
		svc.Options.PlainEnv, svc.Options.SecretEnv = nil, []string{name}
		if s, _ := EnvRule(svc, e); !s {
			t.Fatalf("EnvRule(%q): plain although x-berth.secretEnv names it", name)
		}
		if hostile.PlainWord(user) && hostile.PlainWord(pass) && len(pass) >= 4 {
			svc.Options.SecretEnv = nil
			url := model.EnvVar{Name: name, Value: "postgres://" + user + ":" + pass + "@db:5432/app"}
			if s, why := EnvRule(svc, url); !s {
				t.Fatalf("EnvRule(%q=%q): plain (%s), want secret: the URL carries a password", name, url.Value, why)
			}
		}
	})
}
