package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// StorageClassName is the default StorageClass of a Full cluster, backed by pre-made PVs.
const StorageClassName = "standard"

// bootFull starts the controller-manager, the scheduler and kwok, registers the fake nodes
// and the storage, and waits for the nodes to be Ready and the default ServiceAccount.
func (c *Cluster) bootFull(ctx context.Context) error {
	kc, p := c.Kubeconfig, c.pki
	common := []string{
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--secure-port=0", "--leader-elect=false", "--v=1",
		// Tests share one cluster and create objects in parallel: the default client rate
		// limit (20 QPS) would make the controllers, not the code under test, the bottleneck.
		"--kube-api-qps=200", "--kube-api-burst=400",
	}
	if err := c.start("kube-controller-manager", c.bin.KubeControllerManager, append(common,
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+p.saKey, "--root-ca-file="+p.caCert,
		"--cluster-signing-cert-file="+p.caCert, "--cluster-signing-key-file="+p.caKey,
		"--service-cluster-ip-range="+c.opts.ServiceCIDR,
		"--controllers=*")...); err != nil {
		return err
	}
	if err := c.start("kube-scheduler", c.bin.KubeScheduler, common...); err != nil {
		return err
	}
	if c.Mode == ControlPlane {
		return nil // the caller brings a real node
	}
	// kwok manages only nodes annotated kwok.x-k8s.io/node=fake and gives pods loopback IPs.
	kwokArgs := []string{
		"--kubeconfig=" + kc,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--manage-nodes-with-label-selector=",
		"--manage-single-node=",
		"--node-ip=127.0.0.1", "--cidr=" + c.opts.PodCIDR,
		"--node-lease-duration-seconds=40",
	}
	if c.opts.KwokConfig != "" {
		path := filepath.Join(c.Dir, "kwok.yaml")
		if err := os.WriteFile(path, []byte(c.opts.KwokConfig), 0o600); err != nil {
			return err
		}
		kwokArgs = append(kwokArgs, "--config="+path)
	}
	if err := c.start("kwok", c.bin.Kwok, kwokArgs...); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	if err := c.createNodesAndStorage(ctx, cs); err != nil {
		return err
	}
	c.mark("nodes and storage created")
	if err := c.waitFor(ctx, "fake nodes Ready", func(ctx context.Context) error { return nodesReady(ctx, cs, c.opts.Nodes) }); err != nil {
		return err
	}
	return c.waitFor(ctx, "default ServiceAccount (controller-manager working)", func(ctx context.Context) error {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

func (c *Cluster) createNodesAndStorage(ctx context.Context, cs kubernetes.Interface) error {
	var creates []func() error
	for i := range c.opts.Nodes {
		n := fakeNode("kwok-node-" + strconv.Itoa(i))
		creates = append(creates, func() error {
			_, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
			return err
		})
	}
	if c.opts.PVs > 0 {
		creates = append(creates, func() error {
			_, err := cs.StorageV1().StorageClasses().Create(ctx, StorageClass(), metav1.CreateOptions{})
			return err
		})
		for i := range c.opts.PVs {
			pv := fakePV("berth-test-pv-" + strconv.Itoa(i))
			creates = append(creates, func() error {
				_, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
				return err
			})
		}
	}
	// a few at a time: one round trip each, the apiserver handles them in parallel
	work := make(chan func() error)
	errs := make(chan error, len(creates))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := f(); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- err
				}
			}
		}()
	}
	for _, f := range creates {
		work <- f
	}
	close(work)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if len(all) > 0 {
		return fmt.Errorf("creating fake nodes and storage: %w", errors.Join(all...))
	}
	return nil
}

func fakeNode(name string) *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("250"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Annotations: map[string]string{
				"node.alpha.kubernetes.io/ttl": "0",
				"kwok.x-k8s.io/node":           "fake",
			},
			Labels: map[string]string{
				"kubernetes.io/arch":            "amd64",
				"kubernetes.io/os":              "linux",
				"kubernetes.io/hostname":        name,
				"kubernetes.io/role":            "agent",
				"node-role.kubernetes.io/agent": "",
				"type":                          "kwok",
			},
		},
		// Nodes may carry status on create (kubelets register that way); kwok keeps it fresh.
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
}

// StorageClass is the default StorageClass of a test cluster: statically provisioned PVs
// (pre-made here, hostPath ones in realnode), bound immediately.
func StorageClass() *storagev1.StorageClass {
	bind := storagev1.VolumeBindingImmediate
	reclaim := corev1.PersistentVolumeReclaimDelete
	return &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        StorageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:       "kubernetes.io/no-provisioner",
		VolumeBindingMode: &bind,
		ReclaimPolicy:     &reclaim,
	}
}

func fakePV(name string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			StorageClassName: StorageClassName,
			Capacity:         corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Ti")},
			AccessModes: []corev1.PersistentVolumeAccessMode{
				corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany,
			},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			// never mounted: no kubelet runs
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/berth-test-fake-pv/" + name},
			},
		},
	}
}

func nodesReady(ctx context.Context, cs kubernetes.Interface, want int) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ready := 0
	for _, n := range nodes.Items {
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	if ready < want {
		return fmt.Errorf("%d of %d nodes Ready", ready, want)
	}
	return nil
}
