package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// FuzzLoad proves Load never panics: any input loads or fails with a *diag.Err.
// Run it with: go test ./pkg/load/compose -run '^$' -fuzz FuzzLoad -fuzztime 2m
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "compose.yaml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "errors", "*", "compose.yaml"))
	for _, s := range append(seeds, more...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *diag.Err", err, err)
			}
			return
		}
		if app.Name == "" {
			t.Fatal("loaded app without a name")
		}
	})
}

// FuzzEnvFile loads a service whose env_file (and the project's .env) holds arbitrary bytes:
// Load never panics, and a failure is one positioned *diag.Err.
// Run it with: go test ./pkg/load/compose -run '^$' -fuzz FuzzEnvFile -fuzztime 2m
func FuzzEnvFile(f *testing.F) {
	for _, seed := range []string{
		"A=1\nB=2\n", "export A=\"x\\ny\"\n", "A='single'\n# comment\n", "A=${B:-${C}}\n",
		"C=\"unterminated\n", "bad key=1\n", "=novalue\n", "A\r\nB=2\r\n", "\xff\xfe=1\n", "A=\x00\n",
	} {
		f.Add([]byte(seed), false)
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "hostile", "env-file-hostile", "hostile.env")); err == nil {
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, dotenv bool) {
		dir := t.TempDir()
		compose := "services:\n  web:\n    image: alpine\n    env_file: app.env\n"
		name := "app.env"
		if dotenv {
			compose, name = "services:\n  web:\n    image: alpine:${TAG:-1}\n", ".env"
		}
		for file, content := range map[string][]byte{"compose.yaml": []byte(compose), name: data} {
			if err := os.WriteFile(filepath.Join(dir, file), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
		if err != nil {
			var de *diag.Err
			if !errors.As(err, &de) || de.Pos.File == "" {
				t.Fatalf("error %v is %T without a file, want a positioned *diag.Err", err, err)
			}
		}
	})
}

// FuzzXBerth decodes arbitrary YAML as a service's and the project's x-berth, as compose-go
// hands it over: decoding and checking never panic, and a failure is a *diag.Err.
// Run it with: go test ./pkg/load/compose -run '^$' -fuzz FuzzXBerth -fuzztime 2m
func FuzzXBerth(f *testing.F) {
	for _, seed := range []string{
		"kind: CronJob\nschedule: '@daily'\n", "ports: [80, 443]\nexpose: ingress\nhost: a.example.com\n",
		"autoscale: {min: 1, max: 3, cpu: 70}\n", "kind: Pod\n", "replicaz: 2\n", "ports: '80'\n",
		"volumes: {data: {size: 10Gi}}\nrouting: gateway\nnetworkPolicies: true\n", "[1, 2]\n", "null\n",
		"annotations: {a: b}\nsecretEnv: [A]\nplainEnv: [B]\nnodeSelector: {x: y}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw any
		if yaml.Unmarshal(data, &raw) != nil {
			return
		}
		m := &mapper{project: &types.Project{}, idx: &index{root: &inode{}, pos: map[string]diag.Pos{}}}
		ext := types.Extensions{extKey: raw}
		check := func(err error) {
			var de *diag.Err
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want a *diag.Err", err, err)
			}
		}
		var so model.ServiceOptions
		err := m.decodeExt(ext, "web", "services.web", &so)
		if err == nil {
			err = m.checkOptions("web", "services.web", &so)
		}
		check(err)
		var ao model.AppOptions
		err = m.decodeExt(ext, "", "", &ao)
		if err == nil {
			err = m.checkAppOptions(&ao)
		}
		check(err)
		var vo model.VolumeOptions
		err = m.decodeExt(ext, "", "volumes.data", &vo)
		if err == nil {
			err = m.checkVolumeOptions("volumes.data", vo)
		}
		check(err)
	})
}
