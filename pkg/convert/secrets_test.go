package convert

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

const (
	redisPW = `Tr0ub4dor&3x$(y)z` // $( and & must survive every rewrite
	rootPW  = "rootpw'42"         // so must a quote
)

// secretApp uses secret values in env, args, commands, both healthcheck forms and a config
// file, as Compose leaves them after interpolation.
func secretApp() *model.App {
	return &model.App{Name: "shop", Source: model.Compose,
		Configs: []model.FileData{{Name: "app.conf", Loaded: true, Content: []byte("cache=redis\nauth " + redisPW + "\n")}},
		Services: []*model.Service{
			{Name: "app", Containers: []model.Container{{Name: "app", Image: "shop/app:1", Field: "services.app",
				Args: []string{"--redis-pass", redisPW, "--db=mysql://root:" + rootPW + "@db/x"},
				Env: []model.EnvVar{
					{Name: "REDIS_PASSWORD", Value: redisPW},
					{Name: "JAVA_OPTS", Value: "-Xmx1g -Dredis.pw=" + redisPW},
					{Name: "DB_HOST", Value: "db"},
				},
				Mounts: []model.Mount{{Type: model.MountConfig, Source: "app.conf", Target: "/etc/app.conf"}},
			}}},
			{Name: "db", Containers: []model.Container{{Name: "db", Image: "mysql:8", Field: "services.db",
				Env:    []model.EnvVar{{Name: "MYSQL_ROOT_PASSWORD", Value: rootPW}},
				Health: &model.Health{Type: model.HealthExec, Command: []string{"mysqladmin", "ping", "-p" + rootPW}},
			}}},
			{Name: "redis", Containers: []model.Container{{Name: "redis", Image: "redis:7", Field: "services.redis",
				Command: []string{"redis-server", "--requirepass", redisPW},
				Health:  &model.Health{Type: model.HealthShell, Command: []string{"redis-cli -a '" + redisPW + "' ping"}},
			}}},
		}}
}

func TestSecretPropagation(t *testing.T) {
	app := secretApp()
	res, err := Convert(app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]map[string]string{}
	for _, o := range res.Objects {
		if s, ok := o.(*corev1.Secret); ok {
			secrets[s.Name] = map[string]string{}
			for k, v := range s.Data {
				secrets[s.Name][k] = string(v)
			}
			continue
		}
		j, _ := json.Marshal(o)
		for _, v := range []string{redisPW, rootPW, "Tr0ub4dor"} {
			if strings.Contains(string(j), v) || strings.Contains(string(j), jsonQuote(v)) {
				t.Errorf("%s %s holds a secret value: %s", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), j)
			}
		}
	}
	if _, ok := secrets["app-conf"]; !ok {
		t.Errorf("config app.conf holds a secret value but is not a Secret; Secrets: %v", keys(secrets))
	}
	pods := map[string]corev1.Container{}
	for _, o := range res.Objects {
		if ps := PodSpec(o); ps != nil {
			pods[o.GetName()] = ps.Containers[0]
		}
	}
	envOf := func(c corev1.Container) map[string]string {
		env := map[string]string{}
		for _, f := range c.EnvFrom {
			if f.SecretRef != nil {
				for k, v := range secrets[f.SecretRef.Name] {
					env[k] = v
				}
			}
		}
		return env
	}
	// args and commands: the kubelet's expansion gives back the input's argv
	for name, want := range map[string][]string{"app": app.Services[0].Containers[0].Args, "redis": app.Services[2].Containers[0].Command} {
		c := pods[name]
		got := c.Args
		if name == "redis" {
			got = c.Command
		}
		env := envOf(c)
		var expanded []string
		for _, a := range got {
			expanded = append(expanded, expand(a, func(n string) string { return env[n] }))
		}
		if diff := cmp.Diff(want, expanded); diff != "" {
			t.Errorf("%s argv after the kubelet's expansion (-want +got):\n%s\nemitted: %q", name, diff, got)
		}
	}
	if got := pods["redis"].Command[2]; got != "$(REDIS_PASSWORD)" {
		t.Errorf("redis command reads %q, want $(REDIS_PASSWORD) from a variable added to its Secret", got)
	}
	// probes: the shell gives back the input's argv
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run the probes")
	}
	run := func(c corev1.Container, fn string) []string {
		cmd := c.ReadinessProbe.Exec.Command
		if len(cmd) != 3 || cmd[0] != "/bin/sh" {
			t.Fatalf("probe %q: want /bin/sh -c", cmd)
		}
		script := strings.Replace(strings.Replace(cmd[2], "exec ", "", 1), "'"+fn+"'", fn, 1)
		script = strings.Replace(script, fn, `printf '%s\n'`, 1)
		sh := exec.Command("sh", "-c", script)
		for k, v := range envOf(c) {
			sh.Env = append(sh.Env, k+"="+v)
		}
		out, err := sh.Output()
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	}
	if diff := cmp.Diff([]string{"ping", "-p" + rootPW}, run(pods["db"], "mysqladmin")); diff != "" {
		t.Errorf("db probe argv (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"-a", redisPW, "ping"}, run(pods["redis"], "redis-cli")[:3]); diff != "" {
		t.Errorf("redis probe argv (-want +got):\n%s", diff)
	}
}

func jsonQuote(s string) string { b, _ := json.Marshal(s); return strings.Trim(string(b), `"`) }

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFindSecret(t *testing.T) {
	tests := []struct {
		s, v string
		want []int
	}{
		{"postgres://gitea:gitea@db", "gitea", []int{11, 17}},
		{"gitea-postgres.local", "gitea", nil},
		{"-pgitea", "gitea", []int{2}},
		{"x-pgitea", "gitea", nil},
		{"--password=gitea", "gitea", []int{11}},
		{"image gitea/gitea:1", "gitea", []int{6, 12}},
		{"a$b", "$b", []int{1}},
		{"userS3cretPw1x", "S3cretPw1x", []int{4}}, // strong: found glued too
		// a weak value as a whole path segment is the path's; strong ones are found anyway
		{"/etc/sentry/entrypoint.sh", "sentry", nil},
		{"SENTRY_CONF=/etc/sentry", "sentry", nil},
		{"scott/tiger@orcl", "tiger", []int{6}},
		{"/etc/S3cretPw1x/x", "S3cretPw1x", []int{5}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, findSecret(tt.s, tt.v)); diff != "" {
			t.Errorf("findSecret(%q, %q) (-want +got):\n%s", tt.s, tt.v, diff)
		}
	}
}
