package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// waitsOf converts a and returns the init containers of the Deployment named "app", as
// "name image command... / env", and the result's diagnostics.
func waitsOf(t *testing.T, a *model.App) ([]string, []string) {
	t.Helper()
	res, err := Convert(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out, diags []string
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == "app" {
			for _, k := range d.Spec.Template.Spec.InitContainers {
				var env []string
				for _, e := range k.Env {
					env = append(env, e.Name+"="+e.Value)
				}
				out = append(out, k.Name+" "+k.Image+" "+strings.Join(append(k.Command, k.Args...), " ")+" / "+strings.Join(env, " "))
			}
		}
	}
	for _, d := range res.Diagnostics {
		diags = append(diags, d.Message)
	}
	return out, diags
}

func dep(name string, c model.Condition) model.Dependency {
	return model.Dependency{Service: name, Condition: c, Required: true, Field: "services.app.depends_on." + name}
}

func TestWaits(t *testing.T) {
	script := "sh -c " + waitScript
	for _, tc := range []struct {
		name     string
		deps     []model.Dependency
		others   []*model.Service
		want     []string
		wantDiag string
	}{
		{"started waits for the port", []model.Dependency{dep("db", model.ConditionStarted)},
			[]*model.Service{service("db", "postgres:16.4", 2)},
			[]string{"wait-db busybox:1.36 " + script + " / WAIT_HOST=db WAIT_PORT=5432"}, ""},
		{"healthy without a healthcheck warns", []model.Dependency{dep("cache", model.ConditionHealthy)},
			[]*model.Service{service("cache", "redis:7.4.1", 2)},
			[]string{"wait-cache busybox:1.36 " + script + " / WAIT_HOST=cache WAIT_PORT=6379"}, `"cache" has no healthcheck`},
		{"sanitized names travel in the environment", []model.Dependency{dep("My_DB", model.ConditionStarted)},
			[]*model.Service{withPorts(service("My_DB", "acme/db:1", 2), model.Port{Target: 7000})},
			[]string{"wait-my-db busybox:1.36 " + script + " / WAIT_HOST=my-db WAIT_PORT=7000"}, ""},
		{"completed waits for the Job through the API", []model.Dependency{dep("migrate", model.ConditionCompleted)},
			[]*model.Service{service("migrate", "acme/tool:1", 2)},
			[]string{"wait-migrate " + DefaultJobWaitImage + " wait --for=condition=complete --timeout=-1s job/migrate / "}, ""},
		{"started on a Job needs no wait", []model.Dependency{dep("once", model.ConditionStarted)},
			[]*model.Service{func() *model.Service { s := service("once", "acme/tool:1", 2); s.Restart = model.RestartNo; return s }()},
			nil, ""},
		{"optional missing dependency", []model.Dependency{{Service: "gone", Condition: model.ConditionStarted, Field: "services.app.depends_on.gone"}},
			nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := service("app", "acme/app:1", 1)
			a.DependsOn = tc.deps
			got, diags := waitsOf(t, app(append([]*model.Service{a}, tc.others...)...))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("init containers (-want +got):\n%s", diff)
			}
			if tc.wantDiag != "" && !strings.Contains(strings.Join(diags, "\n"), tc.wantDiag) {
				t.Errorf("diagnostics %q, want one containing %q", diags, tc.wantDiag)
			}
		})
	}
}

func TestWaitContainersAreRestricted(t *testing.T) {
	sc := waitSecurity()
	if !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem ||
		sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("wait security context %+v is not restricted", sc)
	}
}
