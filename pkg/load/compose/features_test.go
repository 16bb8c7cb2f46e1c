package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// inputPos returns the positions of the given input paths.
func inputPos(app *model.App, paths ...string) map[string]diag.Pos {
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	out := map[string]diag.Pos{}
	for _, f := range app.Inputs {
		if want[f.Path] {
			out[f.Path] = f.Pos
		}
	}
	return out
}

func envMap(c *model.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

func TestExtends(t *testing.T) {
	app := load(t, "extends")
	web, worker := app.Service("web"), app.Service("worker")
	if got, want := envMap(web.Main()), map[string]string{"FROM_BASE": "yes", "OWN": "1"}; !cmp.Equal(got, want) {
		t.Errorf("web env = %v, want %v", got, want)
	}
	if got := worker.Main(); got.Image != "example/base:1" || !cmp.Equal(got.Args, []string{"work"}) {
		t.Errorf("worker image/args = %q %v", got.Image, got.Args)
	}
	// Fields inherited through extends point at the file that wrote them.
	got := inputPos(app, "services.web.image", "services.web.environment.OWN", "services.worker.image", "services.web.ports[0]")
	want := map[string]diag.Pos{
		"services.web.image":           {File: "common.yaml", Line: 3, Column: 12},
		"services.web.ports[0]":        {File: "common.yaml", Line: 7, Column: 9},
		"services.web.environment.OWN": {File: "compose.yaml", Line: 7, Column: 12},
		"services.worker.image":        {File: "common.yaml", Line: 3, Column: 12},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
	if f := web.Main().Ports[0].Field; f != "services.web.ports[0]" {
		t.Errorf("port field = %q", f)
	}
}

func TestInclude(t *testing.T) {
	app := load(t, "include")
	if app.Service("db") == nil || app.Volume("pgdata") == nil {
		t.Fatalf("included service or volume missing: %v %v", app.Services, app.Volumes)
	}
	got := inputPos(app, "services.db.image", "volumes.pgdata", "services.app.image", "include[0]")
	want := map[string]diag.Pos{
		"services.db.image":  {File: "db/compose.yaml", Line: 3, Column: 12},
		"volumes.pgdata":     {File: "db/compose.yaml", Line: 7, Column: 3},
		"services.app.image": {File: "compose.yaml", Line: 5, Column: 12},
		"include[0]":         {File: "compose.yaml", Line: 2, Column: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestOverrideResetOverride(t *testing.T) {
	app := load(t, "override")
	if got, want := app.Files, []string{"compose.yaml", "compose.override.yaml"}; !cmp.Equal(got, want) {
		t.Errorf("files = %v, want %v (override file auto-loaded)", got, want)
	}
	web, api := app.Service("web"), app.Service("api")
	if got := web.Main().Image; got != "example/web:2" {
		t.Errorf("web image = %q", got)
	}
	if got := envMap(web.Main()); !cmp.Equal(got, map[string]string{"C": "3"}) {
		t.Errorf("web env = %v, want only C (!override)", got)
	}
	var fields []string
	for _, p := range web.Main().Ports {
		fields = append(fields, p.Field)
	}
	if want := []string{"services.web.ports[0]", "services.web.ports[1]"}; !cmp.Equal(fields, want) {
		t.Errorf("web port fields = %v, want %v", fields, want)
	}
	if len(api.Main().Ports) != 0 {
		t.Errorf("api ports = %v, want none (!reset)", api.Main().Ports)
	}
	got := inputPos(app, "services.web.image", "services.web.ports[1]", "services.web.environment.A", "services.web.environment.C", "services.api.ports[0]")
	want := map[string]diag.Pos{
		"services.web.image":         {File: "compose.override.yaml", Line: 3, Column: 12},
		"services.web.ports[1]":      {File: "compose.override.yaml", Line: 4, Column: 13},
		"services.web.environment.C": {File: "compose.override.yaml", Line: 6, Column: 10},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestProfilesAndNameFromDotEnv(t *testing.T) {
	app := load(t, "profiles")
	if app.Name != "from-env" {
		t.Errorf("name = %q, want from-env (COMPOSE_PROJECT_NAME in .env, sanitized)", app.Name)
	}
	var names []string
	for _, s := range app.Services {
		names = append(names, s.Name)
	}
	if want := []string{"app", "debug"}; !cmp.Equal(names, want) {
		t.Errorf("services = %v, want %v (COMPOSE_PROFILES=debug from .env)", names, want)
	}
	for _, f := range app.Inputs {
		if f.Service == "tools" {
			t.Errorf("input %s of an inactive service listed", f.Path)
		}
	}
	// Explicit profiles win over COMPOSE_PROFILES, and the process environment over .env.
	app, err := Load(context.Background(), Options{
		WorkingDir: filepath.Join("testdata", "profiles"), Profiles: []string{"tools"},
		Environ: []string{"COMPOSE_PROJECT_NAME=proc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "proc" || app.Service("tools") == nil || app.Service("debug") != nil {
		t.Errorf("name %q, services %v: want proc with app and tools", app.Name, app.Services)
	}
	app, err = Load(context.Background(), Options{WorkingDir: filepath.Join("testdata", "profiles"), ProjectName: "flag"})
	if err != nil || app.Name != "flag" {
		t.Errorf("-p: name %v, err %v", app, err)
	}
}

func TestEnvFiles(t *testing.T) {
	app := load(t, "envfile")
	c := app.Service("app").Main()
	want := map[string]string{"FROM_FILE": "1", "SHARED": "file", "INLINE": "yes", "FROM_DOTENV": "dot"}
	if got := envMap(c); !cmp.Equal(got, want) {
		t.Errorf("env = %v, want %v", got, want)
	}
	fields := map[string]string{}
	for _, e := range c.Env {
		fields[e.Name] = e.Field
	}
	if fields["INLINE"] != "services.app.environment.INLINE" || fields["FROM_FILE"] != "services.app.env_file" {
		t.Errorf("env fields = %v", fields)
	}
	// --env-file replaces .env: FROM_DOTENV is then declared without a value.
	app, err := Load(context.Background(), Options{WorkingDir: filepath.Join("testdata", "envfile"), EnvFiles: []string{filepath.Join("testdata", "envfile", "app.env")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range app.Service("app").Main().Env {
		if e.Name == "FROM_DOTENV" && !e.Unset {
			t.Errorf("FROM_DOTENV = %+v, want unset", e)
		}
	}
	if app.Diagnostics.Count(diag.Warning) != 1 {
		t.Errorf("diagnostics = %v, want one warning about FROM_DOTENV", app.Diagnostics)
	}
}

func TestDiscovery(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "discovery"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(abs, "sub", "deeper"))
	app, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if app.Dir != abs || app.Service("up") == nil || app.Name != "discovery" {
		t.Errorf("dir %q name %q services %v: want the compose.yaml two levels up", app.Dir, app.Name, app.Services)
	}
	t.Chdir(filepath.Join(abs, "..", "composefile"))
	app, err = Load(context.Background(), Options{Environ: []string{"COMPOSE_FILE=a.yaml;b.yaml", "COMPOSE_PATH_SEPARATOR=;"}})
	if err != nil {
		t.Fatal(err)
	}
	if app.Service("a") == nil || app.Service("b") == nil || !cmp.Equal(app.Files, []string{"a.yaml", "b.yaml"}) {
		t.Errorf("COMPOSE_FILE: files %v services %v", app.Files, app.Services)
	}
	t.Chdir(t.TempDir())
	if _, err := Load(context.Background(), Options{}); err == nil {
		t.Error("Load in a directory without compose file succeeded")
	}
}

func TestUnsetVariableWarning(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  web:\n    image: nginx:${TAG}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := diag.List{{Severity: diag.Warning, Pos: diag.Pos{File: "compose.yaml", Line: 3, Column: 12}, Service: "web",
		Field: "services.web.image", Message: "variable TAG is not set; compose substitutes an empty string"}}
	if diff := cmp.Diff(want, app.Diagnostics); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// A service whose fields use several unset variables gets one warning naming them all, at the
// first field that uses one, and so does a top-level key (an x- block); a service or key
// using one gets one per variable.
func TestUnsetVariablesOnePerService(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  core:
    image: misp/core:${CORE_TAG}
    environment:
      - "SMTP_FQDN=${SMTP_FQDN}"
      - "X_FRAME_OPTIONS=${X_FRAME_OPTIONS}"
  db:
    image: mariadb:${DB_TAG}
x-note: ${NOTE}
x-env:
  A: ${ENV_A}
  B: ${ENV_B}
`
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	at := func(line, col int) diag.Pos { return diag.Pos{File: "compose.yaml", Line: line, Column: col} }
	want := diag.List{
		{Severity: diag.Warning, Pos: at(3, 12), Service: "core", Field: "services.core.image",
			Message: "3 variables are not set; compose substitutes an empty string for each: CORE_TAG, SMTP_FQDN, X_FRAME_OPTIONS"},
		{Severity: diag.Warning, Pos: at(8, 12), Service: "db", Field: "services.db.image",
			Message: "variable DB_TAG is not set; compose substitutes an empty string"},
		{Severity: diag.Warning, Pos: at(9, 9), Field: "x-note",
			Message: "variable NOTE is not set; compose substitutes an empty string"},
		{Severity: diag.Warning, Pos: at(11, 6), Field: "x-env.A",
			Message: "2 variables are not set; compose substitutes an empty string for each: ENV_A, ENV_B"},
	}
	if diff := cmp.Diff(want, app.Diagnostics); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
