package convert

import (
	"fmt"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// generated is an app of n services in a dependency tree of bounded depth (each service
// depends on its parent in a 4-ary tree), with ports, healthchecks, env and a volume on every
// tenth service: the shape of issue 2's benchmark inputs, built without the loader.
func generated(n int) *model.App {
	app := &model.App{Name: "gen", Source: model.Compose}
	for i := 0; i < n; i++ {
		s := service(fmt.Sprintf("svc%05d", i), "ghcr.io/acme/app:1.0.0", i+1)
		c := s.Main()
		c.Ports = []model.Port{{Target: 8080, Protocol: model.TCP, Source: model.FromExpose, Field: s.Field + ".expose[0]"}}
		c.Env = []model.EnvVar{{Name: "MODE", Value: "prod", Field: s.Field + ".environment.MODE"},
			{Name: "INDEX", Value: fmt.Sprint(i), Field: s.Field + ".environment.INDEX"}}
		c.Health = &model.Health{Type: model.HealthShell, Command: []string{"true"}, Field: s.Field + ".healthcheck"}
		if i > 0 {
			parent := fmt.Sprintf("svc%05d", (i-1)/4)
			s.DependsOn = []model.Dependency{{Service: parent, Condition: model.ConditionHealthy, Required: true,
				Field: s.Field + ".depends_on." + parent}}
		}
		if i%10 == 0 {
			v := fmt.Sprintf("data%05d", i)
			app.Volumes = append(app.Volumes, model.Volume{Name: v, Field: "volumes." + v})
			c.Mounts = []model.Mount{{Type: model.MountVolume, Source: v, Target: "/data", Field: s.Field + ".volumes[0]"}}
		}
		app.Services = append(app.Services, s)
		for _, f := range []string{".image", ".expose[0]", ".environment.MODE", ".environment.INDEX", ".healthcheck.test"} {
			app.Inputs = append(app.Inputs, diag.Field{Service: s.Name, Path: s.Field + f, Pos: s.Pos})
		}
	}
	return app
}

func BenchmarkConvert(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		app := generated(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Convert(app, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
