package compose

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// load loads testdata/<dir> with environ as the process environment.
func load(t *testing.T, dir string, environ ...string) *model.App {
	t.Helper()
	app, err := Load(context.Background(), Options{WorkingDir: filepath.Join("testdata", dir), Environ: environ})
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	checkInvariants(t, dir, app)
	return app
}

func TestLoadBasic(t *testing.T) {
	app := load(t, "basic", "API_KEY=k")
	if got, want := app.Name, "my-app"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got, want := app.Files, []string{"compose.yaml"}; !cmp.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	web, api := app.Service("web"), app.Service("api")
	if web == nil || api == nil {
		t.Fatalf("services = %v, want api and web", app.Services)
	}
	wantPorts := []model.Port{
		{Target: 80, Published: "8080", Protocol: model.TCP, Source: model.FromPorts, Field: "services.web.ports[0]"},
		{Target: 443, Published: "8443", Protocol: model.TCP, Source: model.FromPorts, Field: "services.web.ports[1]"},
		{Target: 9000, Published: "9000", Protocol: model.UDP, Source: model.FromPorts, Field: "services.web.ports[2]"},
		{Target: 9001, Published: "9001", Protocol: model.UDP, Source: model.FromPorts, Field: "services.web.ports[2]"},
	}
	if diff := cmp.Diff(wantPorts, web.Main().Ports); diff != "" {
		t.Errorf("web ports (-want +got):\n%s", diff)
	}
	wantEnv := []model.EnvVar{
		{Name: "FOO", Value: "bar", Field: "services.web.environment.FOO"},
		{Name: "EMPTY", Field: "services.web.environment.EMPTY"},
		{Name: "UNSET", Unset: true, Field: "services.web.environment.UNSET"},
	}
	if diff := cmp.Diff(wantEnv, web.Main().Env); diff != "" {
		t.Errorf("web env (-want +got):\n%s", diff)
	}
	if c := api.Main(); c.Image != "my_app-api" || !c.BuildOnly || c.Command == nil || len(c.Command) != 0 {
		t.Errorf("api image/command = %q %v %#v, want my_app-api, build only, explicit empty entrypoint", c.Image, c.BuildOnly, c.Command)
	}
	if got := app.Volume("data"); got == nil || got.Size != "5Gi" {
		t.Errorf("volume data = %+v, want size 5Gi", got)
	}
	if w := app.Diagnostics.Count(diag.Warning); w != 2 {
		t.Errorf("warnings = %d, want 2 (UNSET, TOKEN): %v", w, app.Diagnostics)
	}
}

func TestInputsHavePositions(t *testing.T) {
	app := load(t, "basic", "API_KEY=k")
	want := map[string]diag.Pos{
		"services.web.image":                {File: "compose.yaml", Line: 9, Column: 12},
		"services.web.ports[1]":             {File: "compose.yaml", Line: 12, Column: 9},
		"services.web.environment.FOO":      {File: "compose.yaml", Line: 17, Column: 12},
		"services.web.restart":              {File: "compose.yaml", Line: 3, Column: 12},
		"services.web.depends_on.api":       {File: "compose.yaml", Line: 21, Column: 7},
		"services.api.healthcheck.interval": {File: "compose.yaml", Line: 41, Column: 17},
		"volumes.data.x-berth.size":         {File: "compose.yaml", Line: 53, Column: 13},
		"secrets.db_password.file":          {File: "compose.yaml", Line: 56, Column: 11},
	}
	got := map[string]diag.Pos{}
	for _, f := range app.Inputs {
		if _, ok := want[f.Path]; ok {
			got[f.Path] = f.Pos
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("input positions (-want +got):\n%s", diff)
	}
}

// TestDeterministic loads the same inputs repeatedly: compose-go keeps maps, berth's model
// must come out identical every time.
func TestDeterministic(t *testing.T) {
	for _, dir := range []string{"mapping", "basic", "extends", "include", "override"} {
		first := load(t, dir, "TOKEN=t0ken", "API_KEY=k")
		for i := 0; i < 5; i++ {
			if diff := cmp.Diff(first, load(t, dir, "TOKEN=t0ken", "API_KEY=k")); diff != "" {
				t.Fatalf("%s: load %d differs (-first +now):\n%s", dir, i+2, diff)
			}
		}
	}
}
