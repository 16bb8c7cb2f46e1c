package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// resolveEnv computes the environment a kubelet gives container k from the emitted objects:
// envFrom first, then env (valueFrom refs resolved, literal values expanded as the kubelet does).
func resolveEnv(t *testing.T, r *cfgRun, k corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, f := range k.EnvFrom {
		switch {
		case f.ConfigMapRef != nil:
			cm, ok := r.object("ConfigMap", f.ConfigMapRef.Name).(*corev1.ConfigMap)
			if !ok {
				t.Fatalf("envFrom names missing ConfigMap %s", f.ConfigMapRef.Name)
			}
			for k, v := range cm.Data {
				env[k] = v
			}
		case f.SecretRef != nil:
			s, ok := r.object("Secret", f.SecretRef.Name).(*corev1.Secret)
			if !ok {
				t.Fatalf("envFrom names missing Secret %s", f.SecretRef.Name)
			}
			for k, v := range s.Data {
				env[k] = string(v)
			}
		}
	}
	for _, e := range k.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expand(e.Value, func(n string) string { return env[n] })
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := r.object("ConfigMap", ref.Name).(*corev1.ConfigMap)
			if !ok {
				t.Fatalf("env %s names missing ConfigMap %s", e.Name, ref.Name)
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				t.Fatalf("env %s names missing key %s of ConfigMap %s", e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = v
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s, ok := r.object("Secret", ref.Name).(*corev1.Secret)
			if !ok {
				env[e.Name] = "<external " + ref.Name + "/" + ref.Key + ">"
				continue
			}
			v, ok := s.Data[ref.Key]
			if !ok {
				t.Fatalf("env %s names missing key %s of Secret %s", e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = string(v)
		}
	}
	return env
}

// wantEnv is the environment Compose gives a container with env.
func wantEnv(owner string, env []model.EnvVar) map[string]string {
	out := map[string]string{}
	for _, e := range env {
		switch {
		case e.Unset:
		case e.From != nil:
			out[e.Name] = "<external " + externalEnvSecret(owner) + "/" + dataKey(e.Name) + ">"
		default:
			out[e.Name] = e.Value
		}
	}
	return out
}

// checkExactEnv asserts every container sees exactly its input environment: nothing missing,
// nothing extra (shared objects must not leak variables into services that lack them).
func checkExactEnv(t *testing.T, r *cfgRun) {
	t.Helper()
	for _, p := range r.pods {
		for i := range p.svc.Containers {
			got := resolveEnv(t, r, p.Spec.Containers[i])
			want := wantEnv(r.b.ownerName(p.svc, i), p.svc.Containers[i].Env)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("service %s container %d environment (-want +got):\n%s", p.svc.Name, i, diff)
			}
		}
	}
}

func TestEnvSplit(t *testing.T) {
	app := &model.App{Name: "shop", Services: []*model.Service{
		svc("web", []model.EnvVar{
			ev("web", "LOG_LEVEL", "debug"),
			ev("web", "DB_PASSWORD", "hunter2"),
			ev("web", "DATABASE_URL", "postgres://app:hunter2@db/app"),
			ev("web", "GREETING", "hello $(USER) $$HOME"),
		}),
	}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/web-env", "Secret/web-secret-env"}, r.names()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	cm := r.object("ConfigMap", "web-env").(*corev1.ConfigMap)
	if diff := cmp.Diff(map[string]string{"LOG_LEVEL": "debug", "GREETING": "hello $(USER) $$HOME"}, cm.Data); diff != "" {
		t.Errorf("ConfigMap data (-want +got):\n%s", diff)
	}
	sec := r.object("Secret", "web-secret-env").(*corev1.Secret)
	if diff := cmp.Diff(map[string][]byte{"DB_PASSWORD": []byte("hunter2"), "DATABASE_URL": []byte("postgres://app:hunter2@db/app")}, sec.Data); diff != "" {
		t.Errorf("Secret data (-want +got):\n%s", diff)
	}
	if sec.Type != corev1.SecretTypeOpaque || sec.StringData != nil {
		t.Errorf("Secret type %q stringData %v, want Opaque and data only", sec.Type, sec.StringData)
	}
	wantFrom := []corev1.EnvFromSource{envFromSource("web-env", false), envFromSource("web-secret-env", true)}
	if diff := cmp.Diff(wantFrom, r.pod(t, "web").Containers[0].EnvFrom); diff != "" {
		t.Errorf("envFrom (-want +got):\n%s", diff)
	}
	checkExactEnv(t, r)
}

// evf is a variable of service s read from env file f.
func evf(s, f, name, value string) model.EnvVar {
	return model.EnvVar{Name: name, Value: value, File: f, Field: "services." + s + ".env_file"}
}

// TestEnvShared: the variables of an env file several services read go to objects named after
// the file; a service that overrides one in environment has the override in its own object,
// which comes later in envFrom and wins.
func TestEnvShared(t *testing.T) {
	common := func(s string) []model.EnvVar {
		return []model.EnvVar{evf(s, "/p/.env", "NODE_ENV", "production"), evf(s, "/p/.env", "DB_PASSWORD", "pw"),
			evf(s, "/p/.env", "MODE", "file")}
	}
	web := common("web")
	web[2] = ev("web", "MODE", "override")
	app := &model.App{Name: "shop", Services: []*model.Service{
		svc("api", append(common("api"), ev("api", "PORT", "8080"))),
		svc("web", web),
		svc("worker", append(common("worker"), ev("worker", "PORT", "8080"))),
	}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []string{"ConfigMap/api-env", "ConfigMap/shop-dotenv-env", "ConfigMap/web-env", "ConfigMap/worker-env",
		"Secret/shop-dotenv-secret-env"}
	if diff := cmp.Diff(want, r.names()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	shared := r.object("ConfigMap", "shop-dotenv-env").(*corev1.ConfigMap)
	if diff := cmp.Diff(map[string]string{"NODE_ENV": "production", "MODE": "file"}, shared.Data); diff != "" {
		t.Errorf("shared data (-want +got):\n%s", diff)
	}
	if _, ok := shared.Labels[LabelApp]; ok {
		t.Errorf("shared ConfigMap carries the app label of one service: %v", shared.Labels)
	}
	sec := r.object("Secret", "shop-dotenv-secret-env").(*corev1.Secret)
	if diff := cmp.Diff(map[string][]byte{"DB_PASSWORD": []byte("pw")}, sec.Data); diff != "" {
		t.Errorf("shared secret data (-want +got):\n%s", diff)
	}
	if got := r.object("ConfigMap", "web-env").(*corev1.ConfigMap).Data; !cmp.Equal(got, map[string]string{"MODE": "override"}) {
		t.Errorf("web-env = %v, want the override MODE=override", got)
	}
	checkExactEnv(t, r)
}

// TestEnvSharedByFileNotByOwners: identical pairs set in environment are not shared (that
// object would be named after who shares it); each file's object holds only what all of its
// readers take from it.
func TestEnvSharedByFileNotByOwners(t *testing.T) {
	app := &model.App{Name: "p", Services: []*model.Service{
		svc("a", []model.EnvVar{ev("a", "X", "1"), evf("a", "/p/a.env", "Y", "2")}),
		svc("b", []model.EnvVar{ev("b", "X", "1"), evf("b", "/p/a.env", "Y", "2"), evf("b", "/p/conf/common.env", "Z", "3")}),
		svc("c", []model.EnvVar{ev("c", "X", "1"), evf("c", "/p/conf/common.env", "Z", "3"), evf("c", "/p/conf/common.env", "W", "4")}),
		svc("d", []model.EnvVar{evf("d", "/p/other/common.env", "Z", "3"), evf("d", "/p/other/common.env", "V", "5")}),
		svc("e", []model.EnvVar{evf("e", "/p/other/common.env", "Z", "3")}),
	}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []string{"ConfigMap/a-env", "ConfigMap/b-env", "ConfigMap/c-env", "ConfigMap/d-env",
		"ConfigMap/p-a-env", "ConfigMap/p-common-env", "ConfigMap/p-common-env-2"}
	if diff := cmp.Diff(want, r.names()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if got := r.object("ConfigMap", "p-common-env").(*corev1.ConfigMap).Data; !cmp.Equal(got, map[string]string{"Z": "3"}) {
		t.Errorf("conf/common.env object = %v, want only Z (W is c's alone)", got)
	}
	checkExactEnv(t, r)
}

func TestEnvSharedLongFileNameCut(t *testing.T) {
	long := "/p/" + strings.Repeat("settings", 10) + ".env"
	app := &model.App{Name: "p", Services: []*model.Service{
		svc("a", []model.EnvVar{evf("a", long, "X", "1")}),
		svc("b", []model.EnvVar{evf("b", long, "X", "1")}),
	}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	names := r.names()
	if len(names) != 1 || len(names[0]) > len("ConfigMap/")+maxLabel || !strings.HasPrefix(names[0], "ConfigMap/p-settingssettings") {
		t.Errorf("objects %v, want one ConfigMap named after the file, at most %d characters", names, maxLabel)
	}
	checkExactEnv(t, r)
}

func TestEnvUnsetInvalidAndExternal(t *testing.T) {
	s := svc("web", []model.EnvVar{
		{Name: "FROM_HOST", Unset: true, Field: "services.web.environment.FROM_HOST"},
		ev("web", "my var", "spaced"),
		ev("web", "my_var", "underscored"),
		ev("web", "weird/token", "t0k"),
		ev("web", "API_KEY", "k3y"),
		ev("web", "x y", "$(HOME) stays"),
		{Name: "DB_PASSWORD", From: &model.SecretRef{Provider: "aws-secretsmanager", Ref: "arn:aws:secretsmanager:eu-west-1:1:secret:db"},
			Field: "containerDefinitions[0].secrets[0]"},
	})
	app := &model.App{Name: "p", Services: []*model.Service{s}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	k := r.pod(t, "web").Containers[0]
	wantEnv := []corev1.EnvVar{
		{Name: "my var", Value: "spaced"},
		keyRef("weird/token", "web-secret-env", "weird_token", true),
		keyRef("API_KEY", "web-secret-env", "API_KEY", true),
		{Name: "x y", Value: "$$(HOME) stays"},
		keyRef("DB_PASSWORD", "web-external-env", "DB_PASSWORD", true),
	}
	if diff := cmp.Diff(wantEnv, k.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	checkExactEnv(t, r)
	diags := r.b.ledger.Diagnostics()
	if n := diags.Count(diag.Warning); n != 2 {
		t.Errorf("got %d warnings, want 2 (unset, external): %v", n, diags)
	}
	found := false
	for _, d := range diags {
		if d.Field == "services.web.environment.FROM_HOST" && strings.Contains(d.Message, "not set") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about the unset variable: %v", diags)
	}
}

// TestEnvUnsetWarnsOnce: when the loader already warned about an unset variable, convert
// accounts it without a second warning.
func TestEnvUnsetWarnsOnce(t *testing.T) {
	field := "services.web.environment.X"
	app := &model.App{Name: "p", Services: []*model.Service{svc("web", []model.EnvVar{{Name: "X", Unset: true, Field: field}})},
		Diagnostics: diag.List{{Severity: diag.Warning, Field: field, Message: "X is not set"}}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if d := r.b.ledger.Diagnostics(); len(d) != 0 {
		t.Errorf("diagnostics %v, want none (the loader warned)", d)
	}
	if e := r.b.ledger.Entries(); len(e) != 1 || e[0].Outcome != diag.Dropped {
		t.Errorf("entries %v, want the variable dropped", e)
	}
}

func TestEnvFiles(t *testing.T) {
	s := svc("web", []model.EnvVar{ev("web", "LOG_LEVEL", "info")})
	s.Main().EnvFiles = []model.EnvFile{{Location: "arn:aws:s3:::bucket/web.env", Type: "s3", Field: "containerDefinitions[0].environmentFiles[0]"}}
	r := runConfig(&model.App{Name: "p", Services: []*model.Service{s}}, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []corev1.EnvFromSource{envFromSource("web-env-files", true), envFromSource("web-env", false)}
	if diff := cmp.Diff(want, r.pod(t, "web").Containers[0].EnvFrom); diff != "" {
		t.Errorf("envFrom (-want +got), the env file must come first so explicit variables win:\n%s", diff)
	}
	if d := r.b.ledger.Diagnostics(); len(d) != 1 || !strings.Contains(d[0].Message, "--from-env-file") {
		t.Errorf("diagnostics %v, want one telling how to create the Secret", d)
	}
}

func TestEnvLedgerTargets(t *testing.T) {
	app := &model.App{Name: "p", Services: []*model.Service{
		svc("web", []model.EnvVar{ev("web", "LOG_LEVEL", "info"), ev("web", "API_KEY", "k")}),
	}}
	app.Inputs = []diag.Field{{Service: "web", Path: "services.web.environment.LOG_LEVEL"}, {Service: "web", Path: "services.web.environment.API_KEY"}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	got := map[string][]string{}
	for _, a := range r.b.ledger.Account(app.Inputs) {
		if a.Outcome != diag.Mapped {
			t.Errorf("%s: outcome %s, want mapped", a.Path, a.Outcome)
		}
		got[a.Path] = a.Targets
	}
	want := map[string][]string{
		"services.web.environment.LOG_LEVEL": {"ConfigMap/web-env data.LOG_LEVEL", "Deployment/web spec.template.spec.containers[0].envFrom"},
		"services.web.environment.API_KEY":   {"Secret/web-secret-env data.API_KEY", "Deployment/web spec.template.spec.containers[0].envFrom"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestEnvTooBig(t *testing.T) {
	app := &model.App{Name: "p", Services: []*model.Service{
		svc("web", []model.EnvVar{ev("web", "BLOB", strings.Repeat("x", maxObjectData+1))}),
	}}
	r := runConfig(app, Options{}, nil)
	if r.err == nil || !strings.Contains(r.err.Error(), "1 MiB") || !strings.Contains(r.err.Error(), "ConfigMap web-env") {
		t.Fatalf("err = %v, want a size error naming ConfigMap web-env", r.err)
	}
}

func TestEscapeExpansion(t *testing.T) {
	for _, s := range []string{"", "plain", "$(HOME)", "$$", "$$(X)", "a$b", "$", "end$", "$(", "x$$$(Y)$", "${A}", "price $€", "$é$ü", "$\xff0", "$$\xff"} {
		got := expand(escapeExpansion(s), func(n string) string { return "EXPANDED" })
		if got != s {
			t.Errorf("expand(escapeExpansion(%q)) = %q, want the input back", s, got)
		}
	}
	if got := escapeExpansion("$(A) $B"); got != "$$(A) $B" {
		t.Errorf("escapeExpansion = %q, want only reference-starting dollars doubled", got)
	}
}
