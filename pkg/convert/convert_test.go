package convert

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"k8s.io/utils/ptr"
)

// service is a one-container Compose-style service for tests.
func service(name, image string, line int) *model.Service {
	f := "services." + name
	pos := diag.Pos{File: "compose.yaml", Line: line, Column: 3}
	return &model.Service{Name: name, Field: f, Pos: pos,
		Containers: []model.Container{{Name: name, Field: f, Pos: pos, Image: image, Essential: true}}}
}

// stack is a typical web application: public web, api built from source, a one-shot
// migration, a worker, postgres on a named volume and redis.
func stack() *model.App {
	web := service("web", "nginx:1.27.3", 2)
	web.Main().Ports = []model.Port{{Target: 80, Published: "8080", Protocol: model.TCP, Source: model.FromPorts, Field: "services.web.ports[0]"}}
	web.DependsOn = []model.Dependency{{Service: "api", Condition: model.ConditionHealthy, Required: true, Field: "services.web.depends_on.api"}}

	api := service("api", "shop-api", 10)
	api.Main().BuildOnly = true
	api.Main().Ports = []model.Port{{Target: 8000, Protocol: model.TCP, Source: model.FromExpose, Field: "services.api.expose[0]"}}
	api.Main().Env = []model.EnvVar{{Name: "DATABASE_HOST", Value: "db", Field: "services.api.environment.DATABASE_HOST"}}
	api.Main().Health = &model.Health{Type: model.HealthShell, Command: []string{"curl -fsS localhost:8000/health"},
		Interval: ptr.To(10 * time.Second), Timeout: ptr.To(500 * time.Millisecond), Retries: ptr.To[int32](5), StartPeriod: ptr.To(30 * time.Second), Field: "services.api.healthcheck"}
	api.Main().Resources = model.Resources{CPULimit: 500, MemLimit: 256 << 20, MemRequest: 128 << 20, Field: "services.api.deploy.resources"}
	api.Main().User = "1000:1000"
	api.Replicas = ptr.To[int32](2)
	api.DependsOn = []model.Dependency{
		{Service: "db", Condition: model.ConditionHealthy, Required: true, Field: "services.api.depends_on.db"},
		{Service: "migrate", Condition: model.ConditionCompleted, Required: true, Field: "services.api.depends_on.migrate"},
		{Service: "redis", Condition: model.ConditionStarted, Required: true, Field: "services.api.depends_on.redis"},
	}

	migrate := service("migrate", "shop-api", 30)
	migrate.Main().BuildOnly = true
	migrate.Main().Args = []string{"python", "manage.py", "migrate"}
	migrate.Restart = model.RestartNo
	migrate.DependsOn = []model.Dependency{{Service: "db", Condition: model.ConditionHealthy, Required: true, Field: "services.migrate.depends_on.db"}}

	worker := service("worker", "shop-api", 40)
	worker.Main().BuildOnly = true
	worker.Main().Args = []string{"celery", "worker"}
	worker.DependsOn = []model.Dependency{{Service: "redis", Condition: model.ConditionStarted, Required: true, Field: "services.worker.depends_on.redis"}}

	db := service("db", "postgres:16", 50)
	db.Main().Mounts = []model.Mount{{Type: model.MountVolume, Source: "pgdata", Target: "/var/lib/postgresql/data", Field: "services.db.volumes[0]"}}
	db.Main().Health = &model.Health{Type: model.HealthExec, Command: []string{"pg_isready", "-U", "shop"}, Field: "services.db.healthcheck"}
	db.StopGrace = ptr.To(90 * time.Second)

	redis := service("redis", "redis:7.4.1-alpine", 60)

	svcs := []*model.Service{api, db, migrate, redis, web, worker}
	return &model.App{Name: "shop", Source: model.Compose, Services: svcs,
		Volumes: []model.Volume{{Name: "pgdata", Field: "volumes.pgdata"}}, Inputs: fields(svcs...)}
}

func TestGoldenStack(t *testing.T) {
	golden(t, "stack", stack(), Options{Domain: "shop.example.com", IngressClass: "nginx", ClusterIssuer: "letsencrypt"})
}
