package report

import (
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestEKSReservations checks the EKS AMI formulas against the values they give for
// well-known instance types (m5.large: 70m CPU and 574Mi memory reserved).
func TestEKSReservations(t *testing.T) {
	for vcpu, want := range map[int64]int64{1: 60, 2: 70, 4: 80, 8: 90, 16: 110} {
		if got := kubeReservedCPU(vcpu); got != want {
			t.Errorf("kubeReservedCPU(%d) = %dm, want %dm", vcpu, got, want)
		}
	}
	for pods, want := range map[int64]int64{17: 442, 29: 574, 58: 893, 234: 2829} {
		if got := kubeReservedMemoryMi(pods); got != want {
			t.Errorf("kubeReservedMemoryMi(%d) = %d, want %d", pods, got, want)
		}
	}
	// m7i.large: 2000m − 70m; 8Gi × 0.925 = 7577Mi − 574Mi − 100Mi eviction.
	got := instanceType{"m7i.large", 2, 8, 29, 0}.allocatable()
	if got.cpu != 1930 || got.mem != 6903<<20 {
		t.Errorf("m7i.large allocatable = %dm, %dMi; want 1930m, 6903Mi", got.cpu, got.mem>>20)
	}
}

func pods(n int, cpu, mem int64) []podReq {
	out := make([]podReq, n)
	for i := range out {
		out[i] = podReq{cpu, mem << 20}
	}
	return out
}

func TestSizeNodes(t *testing.T) {
	tests := []struct {
		name     string
		pods     []podReq
		daemon   podReq
		minNodes int
		provider string
		want     NodeGroup
	}{
		{"tiny app on one burstable node", pods(3, 100, 128), podReq{}, 1, convert.ProviderAWS,
			NodeGroup{Pods: 3, CPU: "1", Memory: "1Gi", LargestPodCPU: "100m", LargestPodMemory: "128Mi",
				InstanceType: "t3.medium", Count: 1, AllocatableCPU: "1930m", AllocatableMemory: "3246Mi", MaxPods: 17}},
		{"replicated: two nodes at least", pods(3, 100, 128), podReq{}, 2, convert.ProviderAWS,
			NodeGroup{Pods: 3, CPU: "1", Memory: "1Gi", LargestPodCPU: "100m", LargestPodMemory: "128Mi",
				InstanceType: "t3.medium", Count: 2, AllocatableCPU: "1930m", AllocatableMemory: "3246Mi", MaxPods: 17}},
		// 10 × 1 CPU: above any t3 baseline; m7i.large holds one per node (20 vCPU), xlarge
		// three (4 × 4 = 16 vCPU, 64Gi), 2xlarge seven (2 × 8 = 16 vCPU, 64Gi, fewer nodes);
		// one 4xlarge would do but two nodes are required.
		{"CPU-heavy", pods(10, 1000, 1024), podReq{}, 2, convert.ProviderAWS,
			NodeGroup{Pods: 10, CPU: "10", Memory: "10Gi", LargestPodCPU: "1", LargestPodMemory: "1Gi",
				InstanceType: "m7i.2xlarge", Count: 2, AllocatableCPU: "7910m", AllocatableMemory: "29317Mi", MaxPods: 58}},
		{"one node suffices", pods(10, 1000, 1024), podReq{}, 1, convert.ProviderAWS,
			NodeGroup{Pods: 10, CPU: "10", Memory: "10Gi", LargestPodCPU: "1", LargestPodMemory: "1Gi",
				InstanceType: "m7i.4xlarge", Count: 1, AllocatableCPU: "15890m", AllocatableMemory: "57691Mi", MaxPods: 234}},
		// 40 small pods (+2 CoreDNS): t3.medium takes 15 per node (17 − aws-node, kube-proxy),
		// t3.large 33, m7i.large 27: two nodes of 2 vCPU, 8Gi, or one m7i.xlarge (56 pods):
		// the same vCPU and memory on fewer nodes.
		{"pod limit", pods(40, 10, 16), podReq{}, 1, convert.ProviderAWS,
			NodeGroup{Pods: 40, CPU: "1", Memory: "1Gi", LargestPodCPU: "10m", LargestPodMemory: "16Mi",
				InstanceType: "m7i.xlarge", Count: 1, AllocatableCPU: "3920m", AllocatableMemory: "14162Mi", MaxPods: 58}},
		// Two nodes required: 2 × t3.large (33 pods each) ties 2 × m7i.large (27 each); the
		// earlier row wins, and 0.4 CPU stays within the t3 baseline.
		{"pod limit, two nodes", pods(40, 10, 16), podReq{}, 2, convert.ProviderAWS,
			NodeGroup{Pods: 40, CPU: "1", Memory: "1Gi", LargestPodCPU: "10m", LargestPodMemory: "16Mi",
				InstanceType: "t3.large", Count: 2, AllocatableCPU: "1930m", AllocatableMemory: "6837Mi", MaxPods: 35}},
		// A DaemonSet of 1500m leaves a t3/m7i large node 305m: the 1-CPU pods need xlarge.
		{"DaemonSets take their share of every node", pods(2, 1000, 512), podReq{1500, 256 << 20}, 1, convert.ProviderAWS,
			NodeGroup{Pods: 2, CPU: "2", Memory: "1Gi", LargestPodCPU: "1", LargestPodMemory: "512Mi",
				InstanceType: "m7i.xlarge", Count: 1, AllocatableCPU: "3920m", AllocatableMemory: "14162Mi", MaxPods: 58}},
		{"too large a pod", pods(1, 20000, 1024), podReq{}, 1, convert.ProviderAWS,
			NodeGroup{Pods: 1, CPU: "20", Memory: "1Gi", LargestPodCPU: "20", LargestPodMemory: "1Gi",
				Note: "a pod requesting 20 CPU and 1Gi memory fits none of the instance types in the table (largest m7i.4xlarge)"}},
		{"generic: totals only", pods(5, 300, 700), podReq{}, 2, convert.ProviderGeneric,
			NodeGroup{Pods: 5, CPU: "2", Memory: "4Gi", LargestPodCPU: "300m", LargestPodMemory: "700Mi"}},
		{"no pods", nil, podReq{}, 1, convert.ProviderAWS,
			NodeGroup{CPU: "0", Memory: "0Gi", LargestPodCPU: "0", LargestPodMemory: "0"}},
	}
	for _, tt := range tests {
		daemonPods := 0
		if tt.daemon.cpu > 0 {
			daemonPods = 1
		}
		got := sizeNodes(tt.pods, tt.daemon, daemonPods, tt.minNodes, tt.provider)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestNodeGroupFromObjects: replicas, autoscaler minimums and DaemonSets reach the sizing.
func TestNodeGroupFromObjects(t *testing.T) {
	objs := []convert.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{ctr("500m", "1Gi")}}}}},
		&appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{ctr("50m", "64Mi")}}}}},
	}
	got := nodeGroup(objs, convert.ProviderAWS)
	// 1500m total is above two t3.large's baseline (1200m): two m7i.large.
	want := NodeGroup{Pods: 3, CPU: "2", Memory: "3Gi", LargestPodCPU: "500m", LargestPodMemory: "1Gi",
		InstanceType: "m7i.large", Count: 2, AllocatableCPU: "1930m", AllocatableMemory: "6903Mi", MaxPods: 29}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodeGroup (-want +got):\n%s", diff)
	}
}

// BenchmarkSizeNodes sizes 8000 pods (the largest generated project of the stage benchmarks)
// against every instance type.
func BenchmarkSizeNodes(b *testing.B) {
	p := pods(8000, 100, 128)
	for b.Loop() {
		sizeNodes(p, podReq{}, 0, 2, convert.ProviderAWS)
	}
}
