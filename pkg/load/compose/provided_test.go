package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func cmpIgnorePos() cmp.Option { return cmpopts.IgnoreFields(model.Provider{}, "Pos") }

// TestProvidedServices: provider services leave the workloads and their dependants' start
// order; models become model servers, and their consumers get docker compose's variables
// (short syntax, long syntax, legacy provider of type model) and wait for them.
func TestProvidedServices(t *testing.T) {
	dir := t.TempDir()
	const src = `
services:
  app:
    image: app:1.0.0
    depends_on: [database, helper]
    environment:
      LLM_URL: mine
    models: [llm, my-embed]
  helper:
    image: helper:1.0.0
    networks: [back]
    depends_on: [assistant]
    models:
      llm: {endpoint_var: AI_URL, model_var: AI_MODEL}
  llm:
    image: other:1.0.0
  database:
    provider:
      type: awesomecloud
      options: {type: mysql, tags: [a, b]}
  assistant:
    provider: {type: model, options: {model: ai/qwen3}}
networks:
  back: {}
models:
  llm: {model: ai/smollm2, context_size: 2048, runtime_flags: [-ngl, "99"]}
  my-embed: {model: hf.co/org/embed-GGUF}
`
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range app.Services {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"app", "assistant", "helper", "llm", "llm-model", "my-embed"}, names); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	wantProv := []model.Provider{{Name: "database", Type: "awesomecloud", Field: "services.database",
		Options: []model.KV{{Key: "tags", Value: "a,b", Field: "services.database.provider.options.tags"},
			{Key: "type", Value: "mysql", Field: "services.database.provider.options.type"}},
		Users: []model.ProviderUse{{Service: "app", Field: "services.app.depends_on.database"}}}}
	if diff := cmp.Diff(wantProv, app.Providers, cmpIgnorePos()); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}
	env := func(s string) map[string]string {
		out := map[string]string{}
		for _, e := range app.Service(s).Main().Env {
			out[e.Name] = e.Value + " @" + e.Field
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{
		"LLM_URL": "http://llm-model:8080/v1/ @services.app.models[0]", "LLM_MODEL": "ai/smollm2 @services.app.models[0]",
		"MY_EMBED_URL": "http://my-embed:8080/v1/ @services.app.models[1]", "MY_EMBED_MODEL": "hf.co/org/embed-GGUF @services.app.models[1]",
	}, env("app")); diff != "" {
		t.Errorf("app env (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{
		"AI_URL": "http://llm-model:8080/v1/ @services.helper.models.llm.endpoint_var", "AI_MODEL": "ai/smollm2 @services.helper.models.llm.model_var",
		"ASSISTANT_URL": "http://assistant:8080/v1/ @services.helper.depends_on.assistant", "ASSISTANT_MODEL": "ai/qwen3 @services.helper.depends_on.assistant",
	}, env("helper")); diff != "" {
		t.Errorf("helper env (-want +got):\n%s", diff)
	}
	var deps []string
	for _, d := range app.Service("app").DependsOn {
		deps = append(deps, d.Service+" "+string(d.Condition)+" "+d.Field)
	}
	if diff := cmp.Diff([]string{"helper service_started services.app.depends_on.helper", "llm-model service_healthy services.app.models[0]",
		"my-embed service_healthy services.app.models[1]"}, deps); diff != "" {
		t.Errorf("app depends_on (-want +got):\n%s", diff)
	}
	llm := app.Service("llm-model").Main()
	if diff := cmp.Diff([]string{"--host", "0.0.0.0", "--port", "8080", "--docker-repo", "ai/smollm2", "--alias", "ai/smollm2", "--ctx-size", "2048", "-ngl", "99"}, llm.Args); diff != "" {
		t.Errorf("llm args (-want +got):\n%s", diff)
	}
	if llm.Image != ModelImageCUDA || llm.Resources.GPUs != 1 {
		t.Errorf("llm offloads layers: image %s, GPUs %d; want %s and 1", llm.Image, llm.Resources.GPUs, ModelImageCUDA)
	}
	if e := app.Service("my-embed").Main(); e.Image != ModelImage || e.Resources.GPUs != 0 || e.Args[5] != "org/embed-GGUF" || e.Args[4] != "-hf" {
		t.Errorf("my-embed: image %s, GPUs %d, args %q", e.Image, e.Resources.GPUs, e.Args)
	}
	// a server is on its consumers' networks: app on the default one, helper on back
	if diff := cmp.Diff([]string{"back", "default"}, app.Service("llm-model").Networks); diff != "" {
		t.Errorf("llm-model networks (-want +got):\n%s", diff)
	}
	if n := app.Service("my-embed").Networks; n != nil {
		t.Errorf("my-embed networks %q, want none (the default network only)", n)
	}
	if v := app.Volume("llm-model-weights"); v == nil || !v.Cache {
		t.Errorf("llm-model-weights volume: %+v, want a cache", v)
	}
}

// TestPreStartHooks: each pre_start hook is a container run once before the main one, with
// what compose-go merged from the service, waited for with SUCCESS (an init container).
func TestPreStartHooks(t *testing.T) {
	dir := t.TempDir()
	const src = `
services:
  web:
    image: web:1.0.0
    environment: {A: "1"}
    pre_start:
      - command: ["/app/migrate"]
        environment: {B: "2"}
      - image: busybox:1.36
        command: echo done
        per_replica: true
`
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	web := app.Service("web")
	type got struct {
		Name, Image, Field string
		Args, Env          []string
		Essential, Once    bool
	}
	var gots []got
	for _, c := range web.Containers {
		var env []string
		for _, e := range c.Env {
			env = append(env, e.Name+"="+e.Value)
		}
		gots = append(gots, got{c.Name, c.Image, c.Field, c.Args, env, c.Essential, c.RunOnce})
	}
	want := []got{
		{"web", "web:1.0.0", "services.web", nil, []string{"A=1"}, true, false},
		{"pre-start-1", "web:1.0.0", "services.web.pre_start[0]", []string{"/app/migrate"}, []string{"A=1", "B=2"}, false, true},
		{"pre-start-2", "busybox:1.36", "services.web.pre_start[1]", []string{"echo", "done"}, []string{"A=1"}, false, false},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]model.ContainerDep{{Container: "pre-start-1", Condition: "SUCCESS", Field: "services.web.pre_start[0]"},
		{Container: "pre-start-2", Condition: "SUCCESS", Field: "services.web.pre_start[1]"}}, web.Main().DependsOn); diff != "" {
		t.Errorf("main container waits (-want +got):\n%s", diff)
	}
}
