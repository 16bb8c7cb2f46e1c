package ecs

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader as a task definition and as a describe-services
// output: it must never panic, and every failure must be a positioned *diag.Err.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	yamls, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	seeds = append(seeds, yamls...)
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data, []byte(`{"services":[]}`), "")
		}
	}
	f.Add([]byte(`[{"name":"a","image":"i","memory":1}]`), []byte(`{}`), "fam")
	f.Add([]byte(`{"taskDefinition":null}`), []byte(`[]`), "")
	f.Fuzz(func(t *testing.T, task, service []byte, family string) {
		app, err := Parse([]Source{NewSource("t.json", task)}, []Source{NewSource("s.json", service)}, Options{Family: family})
		if err != nil {
			positioned(t, err)
			return
		}
		if len(app.Services) == 0 || len(app.Services[0].Containers) == 0 {
			t.Fatalf("loaded an app without a service or container")
		}
	})
}
