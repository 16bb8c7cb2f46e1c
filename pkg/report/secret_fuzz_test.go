package report

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// FuzzSecretsStayInSecrets fuzzes the classifier and the redactor together: a variable with a
// random name and value, the value also used inside the container's args and healthcheck (as
// Compose interpolation leaves it). Whenever berth classifies the value as secret (it lands in
// a Secret), no other object may hold it, and neither the report nor redacted text may show it.
func FuzzSecretsStayInSecrets(f *testing.F) {
	f.Add("DB_PASSWORD", "hunter2", "--password=", "", true)
	f.Add("DBPASS", "x", "-p", " --verbose", false)
	f.Add("API_TOKEN", "'q'$(x)", "redis-cli -a '", "' ping", true)
	f.Add("PASSWORD_MIN_LENGTH", "12", "", "", false)
	f.Add("S3_ID", "AKIAIOSFODNN7EXAMPLE", "aws --key ", "", false)
	f.Add("DATABASE_URL", "postgres://u:p@db/x", "", "", true)
	f.Fuzz(func(t *testing.T, name, raw, prefix, suffix string, shell bool) {
		// every value is at least 8 characters and distinctive, so finding it is never chance
		value := "Zq7w" + raw + "X9k2"
		all := name + value + prefix + suffix
		if !utf8.ValidString(all) || strings.ContainsAny(all, "\x00\r\n") {
			return
		}
		if name == "" || strings.ContainsRune(name, '=') || strings.Contains(name, value) {
			return
		}
		arg := prefix + value + suffix
		h := &model.Health{Type: model.HealthExec, Command: []string{"check", arg}}
		if shell {
			h = &model.Health{Type: model.HealthShell, Command: []string{"check " + arg}}
		}
		app := &model.App{Name: "fuzz", Source: model.Compose, Services: []*model.Service{{Name: "web",
			Containers: []model.Container{{Name: "web", Image: "nginx:1", Field: "services.web",
				Args: []string{"run", arg}, Health: h,
				Env: []model.EnvVar{{Name: name, Value: value, Field: "services.web.environment." + name}},
			}}}}}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			return // input convert rejects (a name no object key can hold, ...)
		}
		secret := false
		for _, o := range res.Objects {
			if s, ok := o.(*corev1.Secret); ok {
				for _, v := range s.Data {
					secret = secret || string(v) == value
				}
			}
		}
		if !secret {
			return
		}
		escaped, _ := json.Marshal(value)
		for _, o := range res.Objects {
			if _, ok := o.(*corev1.Secret); ok {
				continue
			}
			j, _ := json.Marshal(o)
			if strings.Contains(string(j), value) || strings.Contains(string(j), strings.Trim(string(escaped), `"`)) {
				t.Fatalf("%s %s holds secret value %q: %s", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), value, j)
			}
		}
		red := NewRedactor(app, res.Objects)
		if got := red.String("before " + value + " after"); strings.Contains(got, value) {
			t.Fatalf("redactor left %q in %q", value, got)
		}
		for _, format := range []string{Markdown, JSON} {
			data, err := Render(Build(app, res, red), format)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), value) {
				t.Fatalf("%s report shows secret value %q", format, value)
			}
		}
	})
}
