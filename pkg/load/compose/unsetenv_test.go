package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

// Variables declared without a value are one warning per service listing them (Zammad and
// Jitsi declare dozens: one line each buried what breaks the app), and convert adds none.
func TestDeclaredUnsetOneWarningPerService(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "compose.yaml"), `
services:
  web:
    image: nginx:1.27.3
    environment:
      - ALPHA
      - BETA
      - GAMMA
      - SET=1
  worker:
    image: busybox:1.37.0
    command: ["sleep", "1d"]
    environment:
      - DELTA
`)
	app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=/"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range res.Diagnostics { // the loader's included
		if d.Severity == diag.Warning && strings.Contains(d.Message, "declared without a value") {
			got[d.Service] = append(got[d.Service], d.Field+": "+d.Message)
		}
	}
	if len(got["web"]) != 1 || !strings.Contains(got["web"][0], "services.web.environment: 3 variables") ||
		!strings.Contains(got["web"][0], "ALPHA, BETA, GAMMA") {
		t.Errorf("web: %q, want one warning at services.web.environment listing ALPHA, BETA, GAMMA", got["web"])
	}
	if len(got["worker"]) != 1 || !strings.Contains(got["worker"][0], "services.worker.environment.DELTA: DELTA is declared") {
		t.Errorf("worker: %q, want one warning at its variable", got["worker"])
	}
}

// A service passing its whole configuration through (Baserow: 173 variables shared by four
// services) lists ten names and counts the rest; the report accounts each one as dropped.
func TestDeclaredUnsetListIsCapped(t *testing.T) {
	dir := t.TempDir()
	var env strings.Builder
	for i := range 13 {
		fmt.Fprintf(&env, "      - V%02d\n", i)
	}
	write(t, filepath.Join(dir, "compose.yaml"), "services:\n  web:\n    image: nginx:1.27.3\n    environment:\n"+env.String())
	app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=/"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, "declared without a value") {
			msgs = append(msgs, d.Message)
		}
	}
	want := "13 variables are declared without a value and are not set in the environment, so they are not set in Kubernetes: " +
		"V00, V01, V02, V03, V04, V05, V06, V07, V08, V09 and 3 more (the report lists each)"
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], want) {
		t.Errorf("got %q, want one warning starting %q", msgs, want)
	}
	dropped := 0
	for _, a := range res.Accounts {
		if strings.HasPrefix(a.Path, "services.web.environment.V") && a.Outcome == diag.Dropped {
			dropped++
		}
	}
	if dropped != 13 {
		t.Errorf("the report accounts %d of the 13 variables as dropped, want all", dropped)
	}
}
