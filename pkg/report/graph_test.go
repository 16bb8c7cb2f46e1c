package report

import (
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// An ECS task of several containers lists them, with their dependsOn as edges of the task; a
// service is drawn in its network with the fewest services.
func TestGraphContainersAndGroups(t *testing.T) {
	// graphApp's task api gains a third container, migrate, that app awaits; a worker joins
	// the backend network only.
	app := graphApp()
	api := app.Services[1]
	api.Containers[0].DependsOn = append(api.Containers[0].DependsOn, model.ContainerDep{Container: "migrate", Condition: "SUCCESS"})
	api.Containers = append(api.Containers, model.Container{Name: "migrate"})
	app.Services = append(app.Services, &model.Service{Name: "worker", Networks: []string{"backend"}, Containers: []model.Container{{Name: "worker"}}})
	g := BuildGraph(app, &convert.Result{})
	groups := map[string]string{}
	containers := map[string][]string{}
	for _, n := range g.Nodes {
		groups[n.Name], containers[n.Name] = n.Group, n.Containers
	}
	if diff := cmp.Diff(map[string]string{"api": "backend", "web": "frontend", "worker": "backend"}, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"api": {"app", "envoy", "migrate"}, "web": nil, "worker": nil}, containers); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	want := []Edge{
		{From: "web", To: "api", Condition: "service_healthy", Required: true},
		{From: "app", To: "envoy", Condition: "HEALTHY", Required: true, Service: "api"},
		{From: "app", To: "migrate", Condition: "SUCCESS", Required: true, Service: "api"},
	}
	if diff := cmp.Diff(want, g.Edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}
