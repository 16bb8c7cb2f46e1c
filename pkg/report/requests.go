package report

import (
	"bytes"
	"fmt"

	"github.com/berth-dev/berth/pkg/convert"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// Requests is the CPU and memory the app asks the scheduler for: what its nodes must have
// free. Jobs and CronJobs run now and then and are left out.
type Requests struct {
	// CPU and Memory sum replicas × pod request over the Deployments and StatefulSets, at
	// their declared scale (an autoscaled workload at its minimum).
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	// PerNodeCPU and PerNodeMemory are the DaemonSets' requests, on every node.
	PerNodeCPU    string `json:"perNodeCpu,omitempty"`
	PerNodeMemory string `json:"perNodeMemory,omitempty"`
}

// requests totals the requests of the long-running workloads in objs.
func requests(objs []convert.Object) Requests {
	var cpu, mem, nodeCPU, nodeMem resource.Quantity
	steadyPods(objs, func(spec *corev1.PodSpec, n int64) { addPod(&cpu, &mem, spec, n) },
		func(spec *corev1.PodSpec) { addPod(&nodeCPU, &nodeMem, spec, 1) })
	r := Requests{CPU: cpu.String(), Memory: mem.String()}
	if !nodeCPU.IsZero() || !nodeMem.IsZero() {
		r.PerNodeCPU, r.PerNodeMemory = nodeCPU.String(), nodeMem.String()
	}
	return r
}

// steadyPods calls pods with the pod spec and replica count of each Deployment and
// StatefulSet in objs, at its declared scale (an autoscaled one at its minimum), and perNode
// with the pod spec of each DaemonSet, in the order of objs. Jobs and CronJobs run now and then
// and are left out.
func steadyPods(objs []convert.Object, pods func(spec *corev1.PodSpec, n int64), perNode func(spec *corev1.PodSpec)) {
	minReplicas := map[string]int32{}
	for _, o := range objs {
		if h, ok := o.(*autoscalingv2.HorizontalPodAutoscaler); ok {
			ref := h.Spec.ScaleTargetRef
			minReplicas[ref.Kind+"/"+ref.Name] = ptr.Deref(h.Spec.MinReplicas, 1)
		}
	}
	for _, o := range objs {
		switch w := o.(type) {
		case *appsv1.Deployment:
			pods(&w.Spec.Template.Spec, replicas(w.Spec.Replicas, minReplicas["Deployment/"+w.Name]))
		case *appsv1.StatefulSet:
			pods(&w.Spec.Template.Spec, replicas(w.Spec.Replicas, minReplicas["StatefulSet/"+w.Name]))
		case *appsv1.DaemonSet:
			perNode(&w.Spec.Template.Spec)
		}
	}
}

// replicas is the workload's replica count: spec.replicas, else its autoscaler's minimum,
// else 1 (the apiserver's default).
func replicas(spec *int32, autoscaled int32) int64 {
	if spec != nil {
		return int64(*spec)
	}
	if autoscaled > 0 {
		return int64(autoscaled)
	}
	return 1
}

// addPod adds n times the pod's effective request of CPU and memory to cpu and mem.
func addPod(cpu, mem *resource.Quantity, spec *corev1.PodSpec, n int64) {
	for _, t := range []struct {
		name corev1.ResourceName
		sum  *resource.Quantity
	}{{corev1.ResourceCPU, cpu}, {corev1.ResourceMemory, mem}} {
		q := podRequest(spec, t.name)
		for range n {
			t.sum.Add(q)
		}
	}
}

// podRequest is the pod's effective request of a resource, as the scheduler computes it
// (simplified for sidecars): the larger of the running containers' sum (app containers plus
// restartable init containers) and the largest plain init container plus the sidecars.
func podRequest(spec *corev1.PodSpec, name corev1.ResourceName) resource.Quantity {
	var running, sidecars, init resource.Quantity
	for _, c := range spec.Containers {
		running.Add(c.Resources.Requests[name])
	}
	for _, c := range spec.InitContainers {
		q := c.Resources.Requests[name]
		if ptr.Deref(c.RestartPolicy, "") == corev1.ContainerRestartPolicyAlways {
			sidecars.Add(q)
		} else if q.Cmp(init) > 0 {
			init = q
		}
	}
	running.Add(sidecars)
	init.Add(sidecars)
	if init.Cmp(running) > 0 {
		return init
	}
	return running
}

// requestsTable writes the requests as a Markdown table, nothing when there are none.
func requestsTable(b *bytes.Buffer, r Requests) {
	if r.CPU == "0" && r.Memory == "0" && r.PerNodeCPU == "" {
		return
	}
	b.WriteString("| Requests | CPU | Memory |\n|---|---:|---:|\n")
	fmt.Fprintf(b, "| Deployments and StatefulSets | %s | %s |\n", r.CPU, r.Memory)
	if r.PerNodeCPU != "" {
		fmt.Fprintf(b, "| DaemonSets, per node | %s | %s |\n", r.PerNodeCPU, r.PerNodeMemory)
	}
	b.WriteString("\n")
}

// nodesTable writes the node sizing as a Markdown table, nothing when no pod runs steadily.
func nodesTable(b *bytes.Buffer, n NodeGroup) {
	if n.Pods == 0 {
		return
	}
	b.WriteString("| Nodes | |\n|---|---|\n")
	if n.InstanceType != "" {
		fmt.Fprintf(b, "| Smallest EKS node group | %d × %s (per node allocatable: %s CPU, %s memory, %d pods) |\n",
			n.Count, n.InstanceType, n.AllocatableCPU, n.AllocatableMemory, n.MaxPods)
	}
	if n.Note != "" {
		fmt.Fprintf(b, "| Smallest EKS node group | none: %s |\n", n.Note)
	}
	fmt.Fprintf(b, "| Allocatable the %d pods need in total | %s vCPU, %s memory (plus DaemonSets and system reservations per node) |\n",
		n.Pods, n.CPU, n.Memory)
	fmt.Fprintf(b, "| Largest pod (one node must have this free) | %s CPU, %s memory |\n", n.LargestPodCPU, n.LargestPodMemory)
	b.WriteString("\n")
}
