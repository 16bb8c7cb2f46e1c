package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/berth-dev/berth/pkg/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// nodes.go answers "what nodes does this app need?" from its requests: with --provider aws
// the smallest EKS managed node group (instance type × count) from a small table, with the
// allocatable capacity EKS leaves for pods; otherwise the allocatable vCPU and memory the
// nodes need in total and the largest pod's share of one node. docs/mapping.md (Node sizing) documents the
// table, the formulas and their sources.

// NodeGroup is the node capacity the app's long-running pods need (Deployments and
// StatefulSets at their replicas, autoscaled ones at their minimum; DaemonSets on every node).
type NodeGroup struct {
	// Pods is the number of pods counted (DaemonSet pods not included).
	Pods int `json:"pods"`
	// CPU and Memory are the allocatable capacity the pods need in total, rounded up to whole
	// vCPU and GiB (per-node DaemonSets and system reservations come on top).
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	// LargestPodCPU and LargestPodMemory: one node must have this much allocatable left.
	LargestPodCPU    string `json:"largestPodCpu"`
	LargestPodMemory string `json:"largestPodMemory"`
	// InstanceType × Count is the smallest EKS node group the pods fit (provider aws).
	InstanceType string `json:"instanceType,omitempty"`
	Count        int    `json:"count,omitempty"`
	// AllocatableCPU, AllocatableMemory and MaxPods are one node's of InstanceType: what the
	// kubelet offers pods after EKS's reservations.
	AllocatableCPU    string `json:"allocatableCpu,omitempty"`
	AllocatableMemory string `json:"allocatableMemory,omitempty"`
	MaxPods           int    `json:"maxPods,omitempty"`
	// Note explains a missing answer (a pod larger than the largest instance in the table).
	Note string `json:"note,omitempty"`
}

// podReq is a pod's effective request: CPU in millicores, memory in bytes.
type podReq struct {
	cpu, mem int64
}

// instanceType is one row of the EKS sizing table.
type instanceType struct {
	name    string
	vcpu    int64
	memGiB  int64
	maxPods int64
	// baselineMilli is a burstable type's sustained CPU (0 for fixed-performance types).
	baselineMilli int64
}

// awsInstanceTypes is the table berth picks from, small to large; on a tie the earlier row
// wins. maxPods is the EKS AMI's default (VPC CNI without prefix delegation): ENIs × (IPv4
// addresses per ENI − 1) + 2. m6i and m7i have the same shapes and limits; m7i is listed.
// t3 rows are burstable: only chosen when the pods' average CPU request per node stays within
// the baseline (20% of 2 vCPU for t3.medium, 30% for t3.large).
func awsInstanceTypes() []instanceType {
	return []instanceType{
		{"t3.medium", 2, 4, 17, 400},
		{"t3.large", 2, 8, 35, 600},
		{"m7i.large", 2, 8, 29, 0},
		{"m7i.xlarge", 4, 16, 58, 0},
		{"m7i.2xlarge", 8, 32, 58, 0},
		{"m7i.4xlarge", 16, 64, 234, 0},
	}
}

// EKS node overheads (sources in docs/mapping.md, Node sizing).
const (
	// vmMemoryOverhead is the share of an instance's memory the kubelet does not see as
	// capacity (firmware, kernel): Karpenter's default estimate, VM_MEMORY_OVERHEAD_PERCENT.
	vmMemoryOverhead = 0.075
	// evictionMemoryMi is the kubelet's hard eviction threshold memory.available on EKS AMIs.
	evictionMemoryMi = 100
	// systemPodsPerNode are the EKS DaemonSets on every node: aws-node (VPC CNI) and kube-proxy.
	systemPodsPerNode = 2
	// systemCPUPerNode is their CPU request: aws-node 25m, kube-proxy 100m.
	systemCPUPerNode = 125
)

// systemPods are the cluster-wide EKS add-on pods that need a place too: two CoreDNS replicas,
// 100m CPU and 70Mi memory each.
func systemPods() []podReq {
	return []podReq{{100, 70 << 20}, {100, 70 << 20}}
}

// kubeReservedCPU is the EKS AMI's kube-reserved CPU in millicores: 6% of the first core, 1%
// of the second, 0.5% of the third and fourth, 0.25% of every further core.
func kubeReservedCPU(vcpu int64) int64 {
	var m float64
	for core := int64(1); core <= vcpu; core++ {
		switch {
		case core == 1:
			m += 60
		case core == 2:
			m += 10
		case core <= 4:
			m += 5
		default:
			m += 2.5
		}
	}
	return int64(math.Ceil(m))
}

// kubeReservedMemoryMi is the EKS AMI's kube-reserved memory: 11 MiB per pod the node may
// run plus 255 MiB.
func kubeReservedMemoryMi(maxPods int64) int64 { return 11*maxPods + 255 }

// allocatable is what one node of type it offers pods: CPU millicores, memory bytes, pods.
func (it instanceType) allocatable() podReq {
	capMi := int64(float64(it.memGiB<<10) * (1 - vmMemoryOverhead))
	memMi := capMi - kubeReservedMemoryMi(it.maxPods) - evictionMemoryMi
	return podReq{cpu: it.vcpu*1000 - kubeReservedCPU(it.vcpu), mem: memMi << 20}
}

// sizeNodes sizes the nodes for pods (each pod's request) plus daemon (the DaemonSets'
// requests on every node, daemonPods pods), on provider's platform; minNodes is the least
// count (2 when a workload runs several replicas, so draining a node never stops it).
func sizeNodes(pods []podReq, daemon podReq, daemonPods int, minNodes int, provider string) NodeGroup {
	var total, largest podReq
	for _, p := range pods {
		total.cpu += p.cpu
		total.mem += p.mem
		largest.cpu = max(largest.cpu, p.cpu)
		largest.mem = max(largest.mem, p.mem)
	}
	ng := NodeGroup{Pods: len(pods),
		CPU:              fmt.Sprintf("%d", ceilDiv(total.cpu, 1000)),
		Memory:           fmt.Sprintf("%dGi", ceilDiv(total.mem, 1<<30)),
		LargestPodCPU:    milliString(largest.cpu),
		LargestPodMemory: bytesString(largest.mem),
	}
	if provider != convert.ProviderAWS || len(pods) == 0 {
		return ng
	}
	all := append(append([]podReq(nil), pods...), systemPods()...)
	best, bestCount := -1, 0
	types := awsInstanceTypes()
	for i, it := range types {
		free := it.allocatable()
		free.cpu -= systemCPUPerNode + daemon.cpu
		free.mem -= daemon.mem
		slots := it.maxPods - systemPodsPerNode - int64(daemonPods)
		n := pack(all, free, slots)
		if n == 0 {
			continue
		}
		n = max(n, minNodes)
		if it.baselineMilli > 0 && total.cpu+daemon.cpu*int64(n) > it.baselineMilli*int64(n) {
			continue // sustained requests above the burstable baseline
		}
		if best < 0 || cheaper(it, n, types[best], bestCount) {
			best, bestCount = i, n
		}
	}
	if best < 0 {
		ng.Note = fmt.Sprintf("a pod requesting %s CPU and %s memory fits none of the instance types in the table (largest %s)",
			ng.LargestPodCPU, ng.LargestPodMemory, types[len(types)-1].name)
		return ng
	}
	it := types[best]
	a := it.allocatable()
	ng.InstanceType, ng.Count, ng.MaxPods = it.name, bestCount, int(it.maxPods)
	ng.AllocatableCPU, ng.AllocatableMemory = milliString(a.cpu), bytesString(a.mem)
	return ng
}

// cheaper orders node groups by total vCPU, then total memory, then fewer nodes.
func cheaper(a instanceType, an int, b instanceType, bn int) bool {
	if ac, bc := a.vcpu*int64(an), b.vcpu*int64(bn); ac != bc {
		return ac < bc
	}
	if am, bm := a.memGiB*int64(an), b.memGiB*int64(bn); am != bm {
		return am < bm
	}
	return an < bn
}

// pack places pods on nodes with free capacity each, first fit, largest pods first, and
// returns how many nodes it took (0 when a pod fits no empty node).
func pack(pods []podReq, free podReq, slots int64) int {
	if slots < 1 || free.cpu <= 0 || free.mem <= 0 {
		return 0
	}
	sorted := append([]podReq(nil), pods...)
	share := func(p podReq) float64 {
		return max(float64(p.cpu)/float64(free.cpu), float64(p.mem)/float64(free.mem))
	}
	sort.SliceStable(sorted, func(i, j int) bool { return share(sorted[i]) > share(sorted[j]) })
	type node struct {
		left podReq
		pods int64
	}
	var nodes []node
	for _, p := range sorted {
		if p.cpu > free.cpu || p.mem > free.mem {
			return 0
		}
		placed := false
		for i := range nodes {
			n := &nodes[i]
			if n.pods < slots && p.cpu <= n.left.cpu && p.mem <= n.left.mem {
				n.left.cpu -= p.cpu
				n.left.mem -= p.mem
				n.pods++
				placed = true
				break
			}
		}
		if !placed {
			nodes = append(nodes, node{left: podReq{free.cpu - p.cpu, free.mem - p.mem}, pods: 1})
		}
	}
	return len(nodes)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// milliString renders millicores canonically (1500m, 2).
func milliString(m int64) string { return resource.NewMilliQuantity(m, resource.DecimalSI).String() }

// bytesString renders bytes canonically (128Mi, 3Gi).
func bytesString(b int64) string { return resource.NewQuantity(b, resource.BinarySI).String() }

// nodeGroup collects the pods of objs and sizes their nodes.
func nodeGroup(objs []convert.Object, provider string) NodeGroup {
	var pods []podReq
	var daemon podReq
	daemonPods, minNodes := 0, 1
	steadyPods(objs, func(spec *corev1.PodSpec, n int64) {
		p := podReq{cpu: milli(podRequest(spec, corev1.ResourceCPU)), mem: value(podRequest(spec, corev1.ResourceMemory))}
		for range n {
			pods = append(pods, p)
		}
		if n > 1 {
			minNodes = 2
		}
	}, func(spec *corev1.PodSpec) {
		daemon.cpu += milli(podRequest(spec, corev1.ResourceCPU))
		daemon.mem += value(podRequest(spec, corev1.ResourceMemory))
		daemonPods++
	})
	return sizeNodes(pods, daemon, daemonPods, minNodes, provider)
}

func milli(q resource.Quantity) int64 { return q.MilliValue() }

func value(q resource.Quantity) int64 { return q.Value() }
