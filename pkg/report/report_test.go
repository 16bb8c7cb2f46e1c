package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const secretValue = "s3cr3t-hunter2"

func testInput() (*model.App, *convert.Result) {
	app := &model.App{
		Name: "shop", Source: model.Compose, Files: []string{"compose.yaml"},
		Services: []*model.Service{
			{Name: "web", Containers: []model.Container{{Env: []model.EnvVar{{Name: "DB_PASSWORD", Value: secretValue, Secret: true}}}}},
			{Name: "db"},
		},
	}
	pos := diag.Pos{File: "compose.yaml", Line: 3, Column: 5}
	ledger := diag.NewLedger([]diag.Field{
		{Service: "web", Path: "services.web.image", Pos: pos},
		{Service: "web", Path: "services.web.logging", Pos: diag.Pos{File: "compose.yaml", Line: 9, Column: 5}},
		{Service: "web", Path: "services.web.environment.DB_PASSWORD", Pos: pos},
		{Service: "db", Path: "services.db.links"},
		{Path: "volumes.data"},
	})
	ledger.Mapped("web", "services.web.image", "Deployment/web spec.template.spec.containers[0].image")
	ledger.Dropped("web", "services.web.logging", "logging drivers have no Kubernetes equivalent | use a log agent")
	ledger.Partial("web", "services.web.environment.DB_PASSWORD", "value "+secretValue+" moved to a Secret", "Secret/web-env data.DB_PASSWORD")
	ledger.Ignored("db", "services.db.links", "links are not needed: services reach each other by name")
	fields := []diag.Field{
		{Service: "web", Path: "services.web.image", Pos: pos},
		{Service: "web", Path: "services.web.logging", Pos: diag.Pos{File: "compose.yaml", Line: 9, Column: 5}},
		{Service: "web", Path: "services.web.environment.DB_PASSWORD", Pos: pos},
		{Service: "db", Path: "services.db.links"},
		{Path: "volumes.data"},
	}
	meta := func(name, svc string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: convert.Labels("shop", svc)}
	}
	res := &convert.Result{
		Objects: []convert.Object{
			&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
			&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta("web-env", "web"),
				Data: map[string][]byte{"DB_PASSWORD": []byte(secretValue)}},
			&corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: meta("web", "web")},
		},
		Diagnostics: ledger.Diagnostics(),
		Accounts:    ledger.Account(fields),
	}
	return app, res
}

func TestMarkdown(t *testing.T) {
	app, res := testInput()
	r := Build(app, res, NewRedactor(app, res.Objects))
	got, err := Render(r, Markdown)
	if err != nil {
		t.Fatal(err)
	}
	want := "# berth conversion report: shop\n\n" +
		"- Source: compose (`compose.yaml`)\n" +
		"- Namespace: `shop`\n" +
		"- Services: 2, input fields: 5\n\n" +
		"## Totals\n\n" +
		"| Kind | Objects |\n|---|---:|\n| Namespace | 1 |\n| Secret | 1 |\n| Service | 1 |\n\n" +
		"| Outcome | Fields |\n|---|---:|\n| mapped | 1 |\n| ignored | 1 |\n| partial | 1 |\n| dropped | 1 |\n| unhandled | 1 |\n\n" +
		"| Severity | Diagnostics |\n|---|---:|\n| warning | 2 |\n\n" +
		"## Diagnostics\n\n" +
		"- warning: compose.yaml:3:5: services.web.environment.DB_PASSWORD: value [redacted] moved to a Secret\n" +
		"- warning: compose.yaml:9:5: services.web.logging: logging drivers have no Kubernetes equivalent \\| use a log agent\n\n" +
		"## Project\n\n" +
		"| Input field | Position | Outcome | Became / reason |\n|---|---|---|---|\n" +
		"| `volumes.data` |  | unhandled |  |\n\n" +
		"## Service `db`\n\n" +
		"| Input field | Position | Outcome | Became / reason |\n|---|---|---|---|\n" +
		"| `services.db.links` |  | ignored | links are not needed: services reach each other by name |\n\n" +
		"## Service `web`\n\n" +
		"Objects: `Secret/web-env`, `Service/web`\n\n" +
		"| Input field | Position | Outcome | Became / reason |\n|---|---|---|---|\n" +
		"| `services.web.image` | compose.yaml:3:5 | mapped | `Deployment/web spec.template.spec.containers[0].image` |\n" +
		"| `services.web.logging` | compose.yaml:9:5 | dropped | logging drivers have no Kubernetes equivalent \\| use a log agent |\n" +
		"| `services.web.environment.DB_PASSWORD` | compose.yaml:3:5 | partial | `Secret/web-env data.DB_PASSWORD`<br>value [redacted] moved to a Secret |\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}
}

func TestJSONAndNoSecrets(t *testing.T) {
	app, res := testInput()
	for _, format := range []string{JSON, Markdown} {
		a, err := Render(Build(app, res, NewRedactor(app, res.Objects)), format)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Render(Build(app, res, NewRedactor(app, res.Objects)), format)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", format)
		}
		if bytes.Contains(a, []byte(secretValue)) {
			t.Errorf("%s report leaks the secret value:\n%s", format, a)
		}
		if format != JSON {
			continue
		}
		var r Report
		if err := json.Unmarshal(a, &r); err != nil {
			t.Fatal(err)
		}
		if got := len(r.Services); got != 2 || r.Services[1].Fields[2].Outcome != diag.Partial {
			t.Errorf("json round trip lost data: %+v", r.Services)
		}
	}
}

func TestFormatFor(t *testing.T) {
	for path, want := range map[string]string{"r.md": Markdown, "R.JSON": JSON, "report": Markdown, "x.markdown": Markdown} {
		if got, err := FormatFor(path); err != nil || got != want {
			t.Errorf("FormatFor(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := FormatFor("r.pdf"); err == nil || !strings.Contains(err.Error(), ".pdf") {
		t.Errorf("FormatFor(r.pdf): got %v, want an error naming the extension", err)
	}
}

func TestRedactorShortValues(t *testing.T) {
	app := &model.App{Secrets: []model.FileData{{Content: []byte("abc")}, {Content: []byte("longer-secret\n")}}}
	r := NewRedactor(app, nil)
	if got := r.String("abc longer-secret"); got != "abc [redacted]" {
		t.Errorf("got %q", got)
	}
	var nilR *Redactor
	if got := nilR.String("x"); got != "x" {
		t.Errorf("nil redactor changed text: %q", got)
	}
}

func TestRedactorWholeWords(t *testing.T) {
	app := &model.App{Secrets: []model.FileData{{Content: []byte("gitea")}, {Content: []byte("p@ss word")}}}
	r := NewRedactor(app, nil)
	for in, want := range map[string]string{
		"host gitea-postgres.localhost":  "host gitea-postgres.localhost",
		"postgres://gitea:gitea@db/x":    "postgres://[redacted]:[redacted]@db/x",
		"PASSWORD=gitea":                 "PASSWORD=[redacted]",
		"gitea":                          "[redacted]",
		"say p@ss word; xp@ss words":     "say [redacted]; xp@ss words",
		"ünïcode gitea ünïcode":          "ünïcode [redacted] ünïcode",
		"mygitea and gitea2 stay intact": "mygitea and gitea2 stay intact",
		// a weak value as a whole path segment is the path's word (convert.WeakInPath)
		"bind mount of ./env/usr/lib/gitea/scripts": "bind mount of ./env/usr/lib/gitea/scripts",
		"at /var/lib/gitea":                         "at /var/lib/gitea",
		"http://db/gitea/x?password=gitea":          "http://db/gitea/x?password=[redacted]",
		// the last segment, where the path ends (Sentry's "bind mount of ./sentry is left out")
		"bind mount of ./gitea is left out": "bind mount of ./gitea is left out",
		`path "/etc/gitea", then`:           `path "/etc/gitea", then`,
		// an authority after "//" is no path
		"redis://gitea@cache": "redis://[redacted]@cache",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTML(t *testing.T) {
	app, res := testInput()
	if got, err := FormatFor("r.HTML"); err != nil || got != HTML {
		t.Fatalf("FormatFor(r.HTML) = %q, %v", got, err)
	}
	a, err := Render(Build(app, res, NewRedactor(app, res.Objects)), HTML)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(Build(app, res, NewRedactor(app, res.Objects)), HTML)
	if !bytes.Equal(a, b) {
		t.Error("two HTML renders differ")
	}
	if bytes.Contains(a, []byte(secretValue)) {
		t.Error("HTML report leaks the secret value")
	}
	for _, want := range []string{`<details class="service" id="svc-web">`, "Secret/web-env data.DB_PASSWORD", "dagre", `"name":"db"`} {
		if !bytes.Contains(a, []byte(want)) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}

// A weak password that is one of the app's names (Kong's default "kong" for its service kong)
// is not redacted: it would hide the service in every message, and the manifests name it.
func TestRedactorLeavesNames(t *testing.T) {
	app := &model.App{Name: "compose", Services: []*model.Service{{Name: "kong", Containers: []model.Container{{Name: "kong", Image: "kong:3.9",
		Env: []model.EnvVar{{Name: "KONG_PG_PASSWORD", Value: "kong", Secret: true}, {Name: "API_TOKEN", Value: "tok3n-xyz", Secret: true}}}}}}}
	r := NewRedactor(app, nil)
	in := "address db will not resolve; dialed by kong (services.kong.environment.KONG_PG_HOST); token tok3n-xyz"
	want := "address db will not resolve; dialed by kong (services.kong.environment.KONG_PG_HOST); token [redacted]"
	if got := r.String(in); got != want {
		t.Errorf("String(%q) = %q, want %q", in, got, want)
	}
}
