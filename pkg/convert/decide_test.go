package convert

import (
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"
)

// objectNames lists "Kind/name" of the result's objects (without the Namespace).
func objectNames(res *Result) []string {
	var out []string
	for _, o := range res.Objects {
		k := o.GetObjectKind().GroupVersionKind().Kind
		if k != "Namespace" {
			out = append(out, k+"/"+o.GetName())
		}
	}
	return out
}

func app(svcs ...*model.Service) *model.App {
	return &model.App{Name: "t", Source: model.Compose, Services: svcs, Inputs: fields(svcs...)}
}

func withPorts(s *model.Service, ports ...model.Port) *model.Service {
	s.Main().Ports = ports
	return s
}

func TestWorkloadKinds(t *testing.T) {
	oneShot := service("once", "acme/tool:1", 1)
	oneShot.Restart = model.RestartNo
	listensNo := withPorts(service("srv", "acme/srv:1", 1), model.Port{Target: 8080})
	listensNo.Restart = model.RestartNo
	global := service("agent", "acme/agent:1", 1)
	global.Global = true
	cron := service("report", "acme/tool:1", 1)
	cron.Options.Schedule = "*/5 * * * *"
	forced := service("cache", "acme/cache:1", 1)
	forced.Options.Kind = model.KindStatefulSet
	pg := service("db", "postgres:16", 1)
	pg.Main().Mounts = []model.Mount{{Type: model.MountVolume, Source: "data", Target: "/var/lib/postgresql/data"}}
	pgNoVolume := service("db", "postgres:16", 1)
	awaited := service("migrate", "acme/tool:1", 1)
	user := service("api", "acme/api:1", 1)
	user.DependsOn = []model.Dependency{{Service: "migrate", Condition: model.ConditionCompleted, Required: true, Field: "services.api.depends_on.migrate"}}

	for _, tc := range []struct {
		name string
		app  *model.App
		want []string
	}{
		{"default Deployment", app(service("web", "acme/web:1", 1)), []string{"Deployment/web"}},
		{"restart no without ports is a Job", app(oneShot), []string{"Job/once"}},
		{"restart no but listening stays a Deployment", app(listensNo), []string{"Service/srv", "Deployment/srv"}},
		{"global is a DaemonSet", app(global), []string{"DaemonSet/agent"}},
		{"schedule is a CronJob", app(cron), []string{"CronJob/report"}},
		{"x-berth.kind wins", app(forced), []string{"Service/cache-headless", "StatefulSet/cache"}},
		{"database on a named volume is a StatefulSet", func() *model.App {
			a := app(pg)
			a.Volumes = []model.Volume{{Name: "data"}}
			return a
		}(), []string{"Service/db", "Service/db-headless", "StatefulSet/db"}},
		{"database without a volume keeps its image's data directory", app(pgNoVolume), []string{"Service/db", "Service/db-headless", "StatefulSet/db"}},
		{"awaited for completion is a Job", app(user, awaited), []string{"ServiceAccount/t-wait", "Role/t-wait", "RoleBinding/t-wait", "Deployment/api", "Job/migrate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			convertWant(t, tc.app, Options{}, tc.want)
		})
	}
}

// convertWant converts app and checks that it makes the objects want names (Kind/name).
func convertWant(t *testing.T, app *model.App, opts Options, want []string) *Result {
	t.Helper()
	res, err := Convert(app, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := objectNames(res)
	want = append([]string(nil), want...)
	sortLike(want, got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	return res
}

// sortLike orders want by kind rank and name, as Convert orders objects.
func sortLike(want, _ []string) {
	objs := make([]Object, len(want))
	for i, w := range want {
		k, n, _ := strings.Cut(w, "/")
		objs[i] = &corev1.ConfigMap{TypeMeta: typeMeta("v1", k), ObjectMeta: objectMeta(n, "t", "t", "")}
	}
	Sort(objs)
	for i, o := range objs {
		want[i] = o.GetObjectKind().GroupVersionKind().Kind + "/" + o.GetName()
	}
}

func TestStrategyRecreateForReadWriteOnce(t *testing.T) {
	s := service("files", "acme/files:1", 1)
	s.Main().Mounts = []model.Mount{{Type: model.MountVolume, Source: "uploads", Target: "/srv"}}
	a := app(s)
	a.Volumes = []model.Volume{{Name: "uploads"}}
	res, err := Convert(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok {
			if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
				t.Errorf("strategy = %q, want Recreate", d.Spec.Strategy.Type)
			}
			return
		}
	}
	t.Fatal("no Deployment")
}

func TestExposure(t *testing.T) {
	web := func() *model.Service {
		return withPorts(service("web", "acme/web:1", 1), model.Port{Target: 8080, Published: "80", Field: "services.web.ports[0]"})
	}
	db := func() *model.Service {
		return withPorts(service("pg", "postgres:16.4", 1), model.Port{Target: 5432, Published: "5432", Field: "services.pg.ports[0]"})
	}
	tcp := func() *model.Service {
		return withPorts(service("game", "acme/game:1", 1), model.Port{Target: 7777, Published: "7777", Field: "services.game.ports[0]"})
	}
	for _, tc := range []struct {
		name string
		svc  *model.Service
		opts Options
		want []string
	}{
		{"auto: http gets an ingress", web(), Options{}, []string{"Service/web", "Deployment/web", "Ingress/web"}},
		{"auto: tcp gets a load balancer", tcp(), Options{}, []string{"Service/game", "Service/game-public", "Deployment/game"}},
		{"auto: a data store stays private", db(), Options{}, []string{"Service/pg", "Service/pg-headless", "StatefulSet/pg"}},
		{"x-berth.expose publishes a data store on purpose", func() *model.Service {
			s := db()
			s.Options.Expose = ExposeLoadBalancer
			return s
		}(), Options{}, []string{"Service/pg", "Service/pg-headless", "Service/pg-public", "StatefulSet/pg"}},
		{"loadbalancer for http too", web(), Options{Expose: ExposeLoadBalancer}, []string{"Service/web", "Service/web-public", "Deployment/web"}},
		{"nodeport", db(), Options{Expose: ExposeNodePort}, []string{"Service/pg", "Service/pg-headless", "Service/pg-public", "StatefulSet/pg"}},
		{"none", web(), Options{Expose: ExposeNone}, []string{"Service/web", "Deployment/web"}},
		{"ingress cannot carry tcp", db(), Options{Expose: ExposeIngress}, []string{"Service/pg", "Service/pg-headless", "StatefulSet/pg"}},
		{"x-berth.expose overrides the flag", func() *model.Service {
			s := web()
			s.Options.Expose = ExposeNone
			return s
		}(), Options{Expose: ExposeLoadBalancer}, []string{"Service/web", "Deployment/web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := convertWant(t, app(tc.svc), tc.opts, tc.want)
			for _, o := range res.Objects {
				switch x := o.(type) {
				case *corev1.Service:
					if x.Name == tc.svc.Name && (x.Spec.Ports[0].Port != tc.svc.Main().Ports[0].Target || x.Spec.Type != corev1.ServiceTypeClusterIP) {
						t.Errorf("cluster Service port %d type %s, want the container port as ClusterIP", x.Spec.Ports[0].Port, x.Spec.Type)
					}
					if strings.HasSuffix(x.Name, "-public") && x.Spec.Ports[0].TargetPort.IntVal != tc.svc.Main().Ports[0].Target {
						t.Errorf("public Service targets %v, want the container port", x.Spec.Ports[0].TargetPort)
					}
				case *networkingv1.Ingress:
					if h := x.Spec.Rules[0].Host; h != "web.t.localhost" {
						t.Errorf("host %q, want web.t.localhost without --domain", h)
					}
				}
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	x := service("x", "acme/x:1", 1)
	y := service("y", "acme/y:1", 5)
	x.DependsOn = []model.Dependency{{Service: "y", Condition: model.ConditionStarted, Required: true, Field: "services.x.depends_on.y"}}
	y.DependsOn = []model.Dependency{{Service: "x", Condition: model.ConditionStarted, Required: true, Field: "services.y.depends_on.x"}}
	a2 := app(x, y)

	bad := service("bad", "acme/x:1", 3)
	bad.Options.Kind = "Pod"
	a3 := app(bad)

	lb := service("lb", "acme/x:1", 3)
	lb.Options.Expose = "public"
	lb.Main().Ports = []model.Port{{Target: 80, Published: "80"}}
	a4 := app(lb)

	for _, tc := range []struct {
		name string
		app  *model.App
		want string
	}{
		{"cycle", a2, "services.y.depends_on.x: depends_on cycle: x -> y -> x"},
		{"unknown kind", a3, `unknown workload kind "Pod"`},
		{"unknown expose", a4, `services.lb.x-berth.expose: unknown expose mode "public"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.app, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestWaitWithoutPort: a dependency with no known port (a queue worker) is waited for through
// the API (kubectl rollout status of its workload), with RBAC for exactly that and a warning
// that it gets no Service.
func TestWaitWithoutPort(t *testing.T) {
	worker := service("worker", "acme/worker:1", 7)
	web := service("web", "acme/web:1", 1)
	web.DependsOn = []model.Dependency{{Service: "worker", Condition: model.ConditionStarted, Required: true, Field: "services.web.depends_on.worker"}}
	res, err := Convert(app(web, worker), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var role *rbacv1.Role
	var waits []corev1.Container
	account := ""
	for _, o := range res.Objects {
		switch o := o.(type) {
		case *rbacv1.Role:
			role = o
		case *appsv1.Deployment:
			if o.Name == "web" {
				waits, account = o.Spec.Template.Spec.InitContainers, o.Spec.Template.Spec.ServiceAccountName
			}
		case *corev1.Service:
			if o.Name == "worker" {
				t.Errorf("worker has no known port but got Service %v", o.Spec.Ports)
			}
		}
	}
	if len(waits) != 1 || !slices.Equal(waits[0].Args, []string{"rollout", "status", "deployment/worker", "--watch", "--timeout=0s"}) {
		t.Fatalf("web's init containers = %+v, want one kubectl rollout status deployment/worker", waits)
	}
	if waits[0].Image != DefaultJobWaitImage {
		t.Errorf("wait image %q, want %q", waits[0].Image, DefaultJobWaitImage)
	}
	if role == nil || account != role.Name {
		t.Fatalf("web runs as %q; Role %v", account, role)
	}
	want := []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "deployments", "statefulsets"}, Verbs: []string{"get", "list", "watch"}}}
	if diff := cmp.Diff(want, role.Rules); diff != "" {
		t.Errorf("Role rules (-want +got):\n%s", diff)
	}
	warned := false
	for _, d := range res.Diagnostics {
		warned = warned || (d.Field == "services.web.depends_on.worker" && strings.Contains(d.Message, `"worker" gets no Service`))
	}
	if !warned {
		t.Errorf("no warning that worker gets no Service: %v", res.Diagnostics)
	}
}

func TestPortsFromReferences(t *testing.T) {
	kafka := service("kafka", "ghcr.io/acme/demo:2.0-kafka", 1)
	kafka.Main().Env = []model.EnvVar{{Name: "KAFKA_LISTENERS", Value: "PLAINTEXT://kafka:9092,CONTROLLER://kafka:9093", Field: "services.kafka.environment.KAFKA_LISTENERS"}}
	api := service("api", "acme/api:1", 2)
	api.Main().Env = []model.EnvVar{
		{Name: "KAFKA_ADDR", Value: "kafka:9092", Field: "services.api.environment.KAFKA_ADDR"},
		{Name: "DB", Value: "postgres://u:secret@db:5432/x", Field: "services.api.environment.DB"},
		{Name: "OTHER", Value: "example.com:443", Field: "services.api.environment.OTHER"},
	}
	api.Main().Args = []string{"--cache=cache:11311"}
	api.DependsOn = []model.Dependency{{Service: "kafka", Condition: model.ConditionStarted, Required: true, Field: "services.api.depends_on.kafka"}}
	db := service("db", "acme/db:1", 3)
	res, err := Convert(app(api, db, kafka), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int32{}
	for _, o := range res.Objects {
		if s, ok := o.(*corev1.Service); ok {
			for _, p := range s.Spec.Ports {
				got[s.Name] = append(got[s.Name], p.Port)
			}
		}
	}
	want := map[string][]int32{"kafka": {9092, 9093}, "db": {5432}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Service ports (-want +got):\n%s", diff)
	}
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "secret") {
			t.Errorf("a diagnostic leaks an environment value: %s", d)
		}
	}
}

func TestOddModels(t *testing.T) {
	empty := service("empty", "", 1)
	noCmd := service("nocmd", "acme/x:1", 2)
	noCmd.Main().Health = &model.Health{Type: model.HealthShell, Field: "services.nocmd.healthcheck"}
	zeroPort := withPorts(service("zero", "acme/x:1", 3), model.Port{Target: 0, Published: "80"})
	neg := service("neg", "acme/x:1", 4)
	neg.Replicas = ptr.To[int32](-1)
	weird := service("Weird_Name.1", "acme/x:1", 5)
	weird.Hostname = "Not A Host"
	weird.ExtraHosts = []model.HostAlias{{IP: "::1", Hostnames: []string{"b", "a"}}, {IP: "10.0.0.1", Hostnames: []string{"z"}}}
	res, err := Convert(app(empty, noCmd, zeroPort, weird), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) < 5 {
		t.Errorf("got %d objects, want at least a Namespace and 4 workloads", len(res.Objects))
	}
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == "weird-name-1" {
			if d.Spec.Template.Spec.Hostname != "not-a-host" {
				t.Errorf("hostname %q, want not-a-host", d.Spec.Template.Spec.Hostname)
			}
			if got := d.Spec.Template.Spec.HostAliases; len(got) != 2 || got[0].IP != "10.0.0.1" || got[1].Hostnames[0] != "a" {
				t.Errorf("hostAliases %v, want sorted by IP with sorted names", got)
			}
		}
	}
	if _, err := Convert(app(neg), Options{}); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Errorf("negative replicas: error %v, want one naming replicas", err)
	}
}
