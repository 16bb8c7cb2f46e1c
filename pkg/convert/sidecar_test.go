package convert

import (
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// ecsTask builds an ECS service: containers are "name" (essential) or "name?" (not
// essential), deps map a container to "target:CONDITION" entries.
func ecsTask(names []string, deps map[string][]string) *model.Service {
	svc := &model.Service{Name: "t"}
	for _, n := range names {
		c := model.Container{Name: n, Essential: true, Image: "i"}
		if n[len(n)-1] == '?' {
			c.Name, c.Essential = n[:len(n)-1], false
		}
		svc.Containers = append(svc.Containers, c)
	}
	for i := range svc.Containers {
		for _, d := range deps[svc.Containers[i].Name] {
			for j := 0; j < len(d); j++ {
				if d[j] == ':' {
					svc.Containers[i].DependsOn = append(svc.Containers[i].DependsOn, model.ContainerDep{Container: d[:j], Condition: d[j+1:]})
				}
			}
		}
	}
	return svc
}

func TestECSLayout(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		deps  map[string][]string
		want  []string
	}{
		{"one container", []string{"app"}, nil, nil},
		{"essential peers stay regular", []string{"app", "worker"}, nil,
			[]string{"containers[0]", "containers[1]"}},
		{"migration runs first", []string{"app", "migrate?"}, map[string][]string{"app": {"migrate:SUCCESS"}},
			[]string{"containers[0]", "initContainers[0]"}},
		{"awaited essential proxy is a sidecar", []string{"app", "envoy"}, map[string][]string{"app": {"envoy:HEALTHY"}},
			[]string{"containers[0]", "initContainers[0]"}},
		{"non-essential agent is a sidecar", []string{"app", "agent?"}, nil,
			[]string{"containers[0]", "initContainers[0]"}},
		{"init order follows dependencies", []string{"app", "seed?", "migrate?", "proxy"},
			map[string][]string{"app": {"seed:SUCCESS", "proxy:START"}, "seed": {"migrate:SUCCESS"}, "migrate": {"proxy:HEALTHY"}},
			[]string{"containers[0]", "initContainers[2]", "initContainers[1]", "initContainers[0]"}},
		{"waiting for a regular container keeps it regular", []string{"app", "warm?"}, map[string][]string{"warm": {"app:START"}},
			[]string{"containers[0]", "containers[1]"}},
		{"the main container is never moved", []string{"app", "log"}, map[string][]string{"log": {"app:START"}},
			[]string{"containers[0]", "containers[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &builder{app: &model.App{Source: model.ECS}}
			got := b.layout(ecsTask(tt.names, tt.deps))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("layout (-want +got):\n%s", diff)
			}
		})
	}
}
