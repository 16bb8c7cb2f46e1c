package convert

import (
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/utils/ptr"
)

// production is an app exercising the production pass: a scaled web, an autoscaled api, a
// single-replica worker with its own requests and an autoscaled Job (not scalable).
func productionApp() *model.App {
	web := service("web", "nginx:1.27.3", 2)
	web.Replicas = ptr.To[int32](3)
	api := service("api", "shop-api:1", 10)
	api.Replicas = ptr.To[int32](2)
	api.Options.Autoscale = &model.Autoscale{Max: 10, Memory: 70}
	worker := service("worker", "shop-api:1", 20)
	worker.Main().Resources = model.Resources{CPURequest: 250, MemLimit: 512 << 20, Field: "services.worker.deploy.resources"}
	once := service("once", "shop-api:1", 30)
	once.Restart = model.RestartNo
	once.Options.Autoscale = &model.Autoscale{Min: 1, Max: 3, CPU: 50}
	svcs := []*model.Service{api, once, web, worker}
	in := fields(svcs...)
	in = append(in,
		diag.Field{Service: "api", Path: "services.api.x-berth.autoscale.max"},
		diag.Field{Service: "once", Path: "services.once.x-berth.autoscale.max"})
	return &model.App{Name: "shop", Source: model.Compose, Services: svcs, Inputs: in}
}

func TestGoldenProduction(t *testing.T) {
	golden(t, "production", productionApp(), Options{})
}

func TestProduction(t *testing.T) {
	res, err := Convert(productionApp(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]Object{}
	for _, o := range res.Objects {
		objs[o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName()] = o
	}
	// PDBs exactly for the workloads with more than one replica (api by its autoscaler).
	var pdbs []string
	for _, o := range res.Objects {
		if p, ok := o.(*policyv1.PodDisruptionBudget); ok {
			pdbs = append(pdbs, p.Name)
			if got := p.Spec.MaxUnavailable.IntValue(); got != 1 {
				t.Errorf("PDB %s maxUnavailable = %d, want 1", p.Name, got)
			}
			sel := podSpecOwner(t, objs, p.Name).Spec.Selector
			if diff := cmp.Diff(sel, p.Spec.Selector); diff != "" {
				t.Errorf("PDB %s selector differs from its workload's (-workload +pdb):\n%s", p.Name, diff)
			}
		}
	}
	if diff := cmp.Diff([]string{"api", "web"}, pdbs); diff != "" {
		t.Errorf("PDBs (-want +got):\n%s", diff)
	}

	web := objs["Deployment/web"].(*appsv1.Deployment)
	var keys []string
	for _, c := range web.Spec.Template.Spec.TopologySpreadConstraints {
		keys = append(keys, c.TopologyKey+"/"+string(c.WhenUnsatisfiable))
	}
	if diff := cmp.Diff([]string{zoneKey + "/ScheduleAnyway", hostnameKey + "/ScheduleAnyway"}, keys); diff != "" {
		t.Errorf("web topology spread (-want +got):\n%s", diff)
	}
	if c := objs["Deployment/worker"].(*appsv1.Deployment).Spec.Template.Spec.TopologySpreadConstraints; c != nil {
		t.Errorf("single-replica worker got topology spread %v", c)
	}

	// Requests: defaults only where the input names neither a request nor a limit.
	req := func(name string) corev1.ResourceList {
		return objs["Deployment/"+name].(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Resources.Requests
	}
	if got := req("web"); got.Cpu().String() != DefaultCPURequest || got.Memory().String() != DefaultMemoryRequest {
		t.Errorf("web requests = %v, want the defaults", got)
	}
	if got := req("worker"); got.Cpu().String() != "250m" || len(got) != 1 {
		t.Errorf("worker requests = %v, want only its own cpu 250m (memory has a limit)", got)
	}

	hpa, ok := objs["HorizontalPodAutoscaler/api"].(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		t.Fatal("no HorizontalPodAutoscaler/api")
	}
	if *hpa.Spec.MinReplicas != 1 || hpa.Spec.MaxReplicas != 10 || len(hpa.Spec.Metrics) != 1 ||
		hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceMemory || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 70 {
		t.Errorf("api HPA spec = %+v, want min 1, max 10, memory 70%%", hpa.Spec)
	}
	if r := objs["Deployment/api"].(*appsv1.Deployment).Spec.Replicas; r != nil {
		t.Errorf("autoscaled api keeps spec.replicas %d", *r)
	}
	if _, ok := objs["HorizontalPodAutoscaler/once"]; ok {
		t.Error("a Job got a HorizontalPodAutoscaler")
	}
	outcomes := map[string]diag.Outcome{}
	for _, a := range res.Accounts {
		outcomes[a.Path] = a.Outcome
	}
	if got := outcomes["services.api.x-berth.autoscale.max"]; got != diag.Mapped {
		t.Errorf("api autoscale outcome = %s, want mapped", got)
	}
	if got := outcomes["services.once.x-berth.autoscale.max"]; got != diag.Dropped {
		t.Errorf("Job autoscale outcome = %s, want dropped", got)
	}
}

// podSpecOwner returns the Deployment named name.
func podSpecOwner(t *testing.T, objs map[string]Object, name string) *appsv1.Deployment {
	t.Helper()
	d, ok := objs["Deployment/"+name].(*appsv1.Deployment)
	if !ok {
		t.Fatalf("no Deployment/%s", name)
	}
	return d
}

// TestGoldenAWS: the stack's web behind the ALB controller (shared group, certificate, health
// check path, source ranges), a TCP service on an AWS LoadBalancer terminating TLS on 443, and
// claims on the default EBS (pgdata) and EFS (uploads, shared) storage classes.
func TestGoldenAWS(t *testing.T) {
	app := stack()
	for _, s := range app.Services {
		if s.Name == "web" {
			s.Options.HealthPath = "/healthz"
		}
	}
	admin := service("admin", "example/admin:1.2", 70)
	admin.Main().Ports = []model.Port{{Target: 8080, Published: "8443", Protocol: model.TCP, Source: model.FromPorts, Field: "services.admin.ports[0]"}}
	admin.Options.Expose = ExposeLoadBalancer
	admin.Options.HealthPath = "/ping"
	// uploads is shared by web and admin: ReadWriteMany on EFS; the db's pgdata stays on EBS.
	for _, s := range []*model.Service{admin, app.Service("web")} {
		s.Main().Mounts = append(s.Main().Mounts, model.Mount{Type: model.MountVolume, Source: "uploads", Target: "/uploads",
			Field: s.Field + ".volumes[0]"})
	}
	app.Volumes = append(app.Volumes, model.Volume{Name: "uploads", Field: "volumes.uploads"})
	app.Services = append(app.Services, admin)
	app.Inputs = append(app.Inputs, fields(admin)...)
	golden(t, "aws", app, Options{Provider: ProviderAWS, TLSCertARN: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
		SourceRanges: []string{"203.0.113.0/24", "198.51.100.7/32"}})
}
