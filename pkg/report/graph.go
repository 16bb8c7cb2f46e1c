package report

import (
	"slices"
	"sort"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// Graph is the service graph of the HTML report: services, their depends_on edges, the
// networks they share and, for ECS tasks of several containers, the containers of the task
// (one pod) with their dependsOn edges.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// Networks are the app's networks, sorted; a node's Group is one of them.
	Networks []string `json:"networks"`
	// Connections are the connection audit's edges: who dials whom (report.go fills them).
	Connections []convert.Connection `json:"connections,omitempty"`
}

// Node is one service.
type Node struct {
	Name string `json:"name"`
	// Kind is the workload kind (Deployment, StatefulSet, DaemonSet, Job, CronJob).
	Kind string `json:"kind"`
	// Replicas is "1", "3", "autoscaled 2-10", "one per node", "schedule ..." or "" for Jobs.
	Replicas string   `json:"replicas"`
	Image    string   `json:"image"`
	Hosts    []string `json:"hosts,omitempty"`
	// Public: reachable from outside the cluster (Ingress, LoadBalancer or NodePort).
	Public   bool     `json:"public"`
	Entry    string   `json:"entry,omitempty"`
	Networks []string `json:"networks,omitempty"`
	Group    string   `json:"group,omitempty"`
	// Containers name the containers of a task of several containers (ECS), in input order;
	// empty for one container.
	Containers []string `json:"containers,omitempty"`
}

// Edge is a dependency: a service's depends_on (Compose) or, when Service is set, an ECS
// container's dependsOn on another container of the same task (From and To are containers
// of Service; Condition is START, HEALTHY, COMPLETE or SUCCESS).
type Edge struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Condition string `json:"condition"`
	Required  bool   `json:"required"`
	Service   string `json:"service,omitempty"`
}

// BuildGraph assembles the service graph of converting app into res.
func BuildGraph(app *model.App, res *convert.Result) *Graph {
	g := &Graph{Nodes: []Node{}, Edges: []Edge{}, Networks: []string{}}
	for _, n := range app.Networks {
		g.Networks = append(g.Networks, n.Name)
	}
	nodes := map[string]*Node{}
	members := map[string]int{}
	for _, svc := range app.Services {
		for _, net := range svc.Networks {
			members[net]++
		}
	}
	for _, svc := range app.Services {
		n := Node{Name: svc.Name, Networks: svc.Networks}
		if len(svc.Containers) > 0 {
			n.Image = svc.Main().Image
		}
		if len(g.Networks) > 1 {
			n.Group = group(svc.Networks, members)
		}
		for _, d := range svc.DependsOn {
			g.Edges = append(g.Edges, Edge{From: svc.Name, To: d.Service, Condition: string(d.Condition), Required: d.Required})
		}
		if len(svc.Containers) > 1 {
			for _, c := range svc.Containers {
				n.Containers = append(n.Containers, c.Name)
				for _, d := range c.DependsOn {
					g.Edges = append(g.Edges, Edge{From: c.Name, To: d.Container, Condition: d.Condition, Required: true, Service: svc.Name})
				}
			}
		}
		g.Nodes = append(g.Nodes, n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].Name < g.Nodes[j].Name })
	for i := range g.Nodes {
		nodes[g.Nodes[i].Name] = &g.Nodes[i]
	}
	for _, o := range res.Objects {
		if n := nodes[o.GetLabels()[convert.LabelName]]; n != nil {
			addObject(n, o)
		}
	}
	return g
}

// group picks the network a service is drawn in: the one of its networks with the fewest
// services (ties: the first by name), as it says most about the service's role: a web
// frontend on "frontend" and "backend" belongs with the few on "frontend".
func group(nets []string, members map[string]int) string {
	best := ""
	for _, n := range nets {
		if best == "" || members[n] < members[best] || members[n] == members[best] && n < best {
			best = n
		}
	}
	return best
}

// addObject records what one object of a service says about it.
func addObject(n *Node, o convert.Object) {
	switch obj := o.(type) {
	case *appsv1.Deployment:
		n.Kind, n.Replicas = "Deployment", itoa(replicaCount(obj.Spec.Replicas))
	case *appsv1.StatefulSet:
		n.Kind, n.Replicas = "StatefulSet", itoa(replicaCount(obj.Spec.Replicas))
	case *appsv1.DaemonSet:
		n.Kind, n.Replicas = "DaemonSet", "one per node"
	case *batchv1.Job:
		n.Kind = "Job"
	case *batchv1.CronJob:
		n.Kind, n.Replicas = "CronJob", "schedule "+obj.Spec.Schedule
	case *autoscalingv2.HorizontalPodAutoscaler:
		n.Replicas = "autoscaled " + itoa(int64(ptr.Deref(obj.Spec.MinReplicas, 1))) + "-" + itoa(int64(obj.Spec.MaxReplicas))
	case *networkingv1.Ingress:
		n.Public, n.Entry = true, "Ingress/"+obj.Name
		for _, r := range obj.Spec.Rules {
			if r.Host != "" && !slices.Contains(n.Hosts, r.Host) {
				n.Hosts = append(n.Hosts, r.Host)
			}
		}
	case *corev1.Service:
		if obj.Spec.Type == corev1.ServiceTypeLoadBalancer || obj.Spec.Type == corev1.ServiceTypeNodePort {
			n.Public, n.Entry = true, string(obj.Spec.Type)+" Service/"+obj.Name
		}
	}
}

func replicaCount(r *int32) int64 {
	if r == nil {
		return 1
	}
	return int64(*r)
}

func itoa(n int64) string { return resource.NewQuantity(n, resource.DecimalSI).String() }
