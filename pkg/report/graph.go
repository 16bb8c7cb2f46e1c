package report

import (
	"path/filepath"
	"sort"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Graph is the service graph of the HTML report: services, their depends_on edges and the
// networks they share.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// Networks are the app's networks, sorted; a node's Group is one of them.
	Networks []string `json:"networks"`
	// CPURequest and MemRequest total the requests of every pod the app runs (requests ×
	// replicas of long-running workloads; autoscaled ones count their minimum).
	CPURequest string `json:"cpuRequest"`
	MemRequest string `json:"memRequest"`
}

// Node is one service.
type Node struct {
	Name string `json:"name"`
	// Kind is the workload kind (Deployment, StatefulSet, DaemonSet, Job, CronJob).
	Kind string `json:"kind"`
	// Replicas is "1", "3", "autoscaled 2-10", "one per node" or "" for Jobs.
	Replicas string   `json:"replicas"`
	Image    string   `json:"image"`
	Hosts    []string `json:"hosts,omitempty"`
	// Public: reachable from outside the cluster (Ingress, LoadBalancer or NodePort).
	Public    bool        `json:"public"`
	Entry     string      `json:"entry,omitempty"`
	Networks  []string    `json:"networks,omitempty"`
	Group     string      `json:"group,omitempty"`
	Resources []Resources `json:"resources"`
	Volumes   []VolumeUse `json:"volumes,omitempty"`
}

// Resources are one container's requests and limits, canonical quantities.
type Resources struct {
	Container string `json:"container"`
	CPU       string `json:"cpu,omitempty"`
	Memory    string `json:"memory,omitempty"`
	CPULimit  string `json:"cpuLimit,omitempty"`
	MemLimit  string `json:"memLimit,omitempty"`
}

// VolumeUse is one mount of a service and where its data must come from.
type VolumeUse struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"type"`
	// Data says where the mount's data comes from in the cluster.
	Data string `json:"data"`
}

// Edge is a depends_on (ECS dependsOn) dependency.
type Edge struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Condition string `json:"condition"`
	Required  bool   `json:"required"`
}

// BuildGraph assembles the service graph of converting app into res.
func BuildGraph(app *model.App, res *convert.Result) *Graph {
	g := &Graph{Nodes: []Node{}, Edges: []Edge{}, Networks: []string{}}
	for _, n := range app.Networks {
		g.Networks = append(g.Networks, n.Name)
	}
	nodes := map[string]*Node{}
	for _, svc := range app.Services {
		n := Node{Name: svc.Name, Networks: svc.Networks, Resources: []Resources{}}
		if len(svc.Containers) > 0 {
			n.Image = svc.Main().Image
			n.Volumes = volumes(app, svc.Main().Mounts)
		}
		if len(svc.Networks) > 0 && len(g.Networks) > 1 {
			n.Group = svc.Networks[0]
		}
		for _, d := range svc.DependsOn {
			g.Edges = append(g.Edges, Edge{From: svc.Name, To: d.Service, Condition: string(d.Condition), Required: d.Required})
		}
		g.Nodes = append(g.Nodes, n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].Name < g.Nodes[j].Name })
	for i := range g.Nodes {
		nodes[g.Nodes[i].Name] = &g.Nodes[i]
	}
	var cpu, mem resource.Quantity
	for _, o := range res.Objects {
		if n := nodes[o.GetLabels()[convert.LabelName]]; n != nil {
			addObject(n, o, &cpu, &mem)
		}
	}
	g.CPURequest, g.MemRequest = cpu.String(), mem.String()
	return g
}

func volumes(app *model.App, mounts []model.Mount) []VolumeUse {
	var out []VolumeUse
	for _, m := range mounts {
		v := VolumeUse{Source: m.Source, Target: m.Target, Type: string(m.Type)}
		if m.Type == model.MountBind && app.Dir != "" {
			// Relative to the project, so the report is the same on every machine.
			if rel, err := filepath.Rel(app.Dir, m.Source); err == nil && filepath.IsLocal(rel) {
				v.Source = "./" + filepath.ToSlash(rel)
			}
		}
		switch m.Type {
		case model.MountVolume:
			v.Data = "PersistentVolumeClaim: copy the volume's data before the switch"
			if vol := app.Volume(m.Source); vol != nil && vol.Scratch {
				v.Data = "emptyDir: starts empty"
			}
		case model.MountBind:
			v.Data = "bind mount: " + bindData(m)
		case model.MountSecret:
			v.Data = "Secret"
		case model.MountConfig:
			v.Data = "ConfigMap"
		default:
			v.Data = "emptyDir: starts empty"
		}
		out = append(out, v)
	}
	return out
}

func bindData(m model.Mount) string {
	if len(m.Files) > 0 {
		return "content from the project directory, in a ConfigMap"
	}
	if m.NotRead != "" {
		return "not converted (" + m.NotRead + ")"
	}
	return "not converted"
}

// addObject records what one object of a service says about it.
func addObject(n *Node, o convert.Object, cpu, mem *resource.Quantity) {
	var spec *corev1.PodSpec
	count := int64(0)
	switch obj := o.(type) {
	case *appsv1.Deployment:
		n.Kind, spec, count = "Deployment", &obj.Spec.Template.Spec, replicaCount(obj.Spec.Replicas)
		n.Replicas = itoa(count)
	case *appsv1.StatefulSet:
		n.Kind, spec, count = "StatefulSet", &obj.Spec.Template.Spec, replicaCount(obj.Spec.Replicas)
		n.Replicas = itoa(count)
	case *appsv1.DaemonSet:
		n.Kind, spec, count, n.Replicas = "DaemonSet", &obj.Spec.Template.Spec, 1, "one per node"
	case *batchv1.Job:
		n.Kind, spec = "Job", &obj.Spec.Template.Spec
	case *batchv1.CronJob:
		n.Kind, spec = "CronJob", &obj.Spec.JobTemplate.Spec.Template.Spec
		n.Replicas = "schedule " + obj.Spec.Schedule
	case *autoscalingv2.HorizontalPodAutoscaler:
		min := int32(1)
		if obj.Spec.MinReplicas != nil {
			min = *obj.Spec.MinReplicas
		}
		n.Replicas = "autoscaled " + itoa(int64(min)) + "-" + itoa(int64(obj.Spec.MaxReplicas))
	case *networkingv1.Ingress:
		n.Public, n.Entry = true, "Ingress/"+obj.Name
		for _, r := range obj.Spec.Rules {
			if r.Host != "" && !contains(n.Hosts, r.Host) {
				n.Hosts = append(n.Hosts, r.Host)
			}
		}
	case *corev1.Service:
		if obj.Spec.Type == corev1.ServiceTypeLoadBalancer || obj.Spec.Type == corev1.ServiceTypeNodePort {
			n.Public, n.Entry = true, string(obj.Spec.Type)+" Service/"+obj.Name
		}
	}
	if spec == nil {
		return
	}
	for _, c := range spec.Containers {
		r := Resources{Container: c.Name}
		r.CPU, r.Memory = qty(c.Resources.Requests, corev1.ResourceCPU), qty(c.Resources.Requests, corev1.ResourceMemory)
		r.CPULimit, r.MemLimit = qty(c.Resources.Limits, corev1.ResourceCPU), qty(c.Resources.Limits, corev1.ResourceMemory)
		n.Resources = append(n.Resources, r)
		for i := int64(0); i < count; i++ {
			if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
				cpu.Add(q)
			}
			if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
				mem.Add(q)
			}
		}
	}
}

func replicaCount(r *int32) int64 {
	if r == nil {
		return 1
	}
	return int64(*r)
}

func qty(l corev1.ResourceList, name corev1.ResourceName) string {
	if q, ok := l[name]; ok {
		return q.String()
	}
	return ""
}

func itoa(n int64) string { return resource.NewQuantity(n, resource.DecimalSI).String() }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
