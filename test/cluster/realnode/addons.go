package realnode

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/berth-dev/berth/test/cluster"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// StorageClassName is the default StorageClass, backed by hostPath PersistentVolumes.
const StorageClassName = cluster.StorageClassName

// startAPIService makes the "kubernetes" Service reach the API server: the apiserver listens
// on 127.0.0.1 only (not a valid endpoint), so a forwarder on the node IP takes its place.
func (n *Node) startAPIService(ctx context.Context) error {
	u, err := url.Parse(n.URL)
	if err != nil {
		return err
	}
	l, err := n.thread.Listen(NodeIP + ":443")
	if err != nil {
		return err
	}
	n.forward(l, u.Host)
	cs, err := n.Client()
	if err != nil {
		return err
	}
	_, err = cs.DiscoveryV1().EndpointSlices("default").Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "kubernetes-realnode",
			Namespace: "default",
			Labels: map[string]string{
				discoveryv1.LabelServiceName: "kubernetes",
				discoveryv1.LabelManagedBy:   "berth-realnode",
			},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{NodeIP}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To[int32](443), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}, metav1.CreateOptions{})
	return err
}

// startKubeProxy runs kube-proxy in iptables mode: ClusterIPs work from pods and the node.
func (n *Node) startKubeProxy(ctx context.Context) error {
	conf := fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: %q}
mode: iptables
clusterCIDR: %s
hostnameOverride: %s
bindAddress: %s
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}   # leave the machine-wide nf_conntrack_max alone
nodePortAddresses: [primary]
`, n.Cluster.Kubeconfig, PodCIDR, NodeName, NodeIP)
	path := filepath.Join(n.Dir, "kube-proxy.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return err
	}
	if err := n.start("kube-proxy", n.kubeProxy(), "--config="+path, "--v=1"); err != nil {
		return err
	}
	return n.waitFor(ctx, "kube-proxy synced", func(ctx context.Context) error { return n.httpOK(ctx, "http://127.0.0.1:10256/healthz") })
}

// startCoreDNS serves cluster.local names on the node IP (the kubelet's clusterDNS).
func (n *Node) startCoreDNS(ctx context.Context) error {
	conf := fmt.Sprintf(`.:53 {
    bind %s
    errors
    ready 127.0.0.1:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig %s
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
`, NodeIP, n.Cluster.Kubeconfig)
	path := filepath.Join(n.Dir, "Corefile")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return err
	}
	if err := n.start("coredns", n.coreDNS(), "-conf", path); err != nil {
		return err
	}
	return n.waitFor(ctx, "CoreDNS ready", func(ctx context.Context) error { return n.httpOK(ctx, "http://127.0.0.1:8181/ready") })
}

// httpOK GETs url inside the namespace and wants 200.
func (n *Node) httpOK(ctx context.Context, url string) error {
	c := &http.Client{Transport: &http.Transport{DialContext: n.thread.DialContext, Proxy: nil}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// createStorage makes the default StorageClass and hostPath PVs, one directory each, so a
// PVC binds and its pod really writes to disk (under Dir/pv/N).
func (n *Node) createStorage(ctx context.Context) error {
	if n.opts.PVs < 0 {
		return nil
	}
	cs, err := n.Client()
	if err != nil {
		return err
	}
	if _, err := cs.StorageV1().StorageClasses().Create(ctx, cluster.StorageClass(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	dirType := corev1.HostPathDirectory
	for i := range n.opts.PVs {
		dir := filepath.Join(n.Dir, "pv", strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o777); err != nil { // any container user may write
			return err
		}
		// The capacity is nominal (hostPath enforces no size): room for any claim berth
		// makes, the 20Gi of a model's weights included.
		_, err := cs.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: "realnode-pv-" + strconv.Itoa(i)},
			Spec: corev1.PersistentVolumeSpec{
				StorageClassName:              StorageClassName,
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("100Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				PersistentVolumeSource: corev1.PersistentVolumeSource{
					HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &dirType},
				},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
	}
	return nil
}

// startHostForwarder listens on the host's 127.0.0.1 at the API server's port and forwards
// into the namespace, so Kubeconfig works for other processes (kubectl, berth).
func (n *Node) startHostForwarder(ctx context.Context) error {
	u, err := url.Parse(n.URL)
	if err != nil {
		return err
	}
	// a goroutine not locked to the namespace thread opens the socket in the host namespace
	l, err := net.Listen("tcp", u.Host)
	if err != nil {
		return fmt.Errorf("host forwarder: %w", err)
	}
	n.forward(l, u.Host)
	n.Kubeconfig = n.Cluster.Kubeconfig
	return nil
}
