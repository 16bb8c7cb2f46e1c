package realnode

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// startKubelet gives the kubelet a node client certificate, a configuration and a cgroup root
// of its own, starts it and waits for the node to be Ready.
func (n *Node) startKubelet(ctx context.Context) error {
	d := filepath.Join(n.Dir, "kubelet")
	kc := filepath.Join(d, "kubeconfig")
	if err := n.writeKubeletKubeconfig(kc); err != nil {
		return err
	}
	if err := n.makeCgroupRoot(); err != nil {
		return err
	}
	// Port 10250 is reachable only inside the namespace; anonymous + AlwaysAllow lets the
	// apiserver (which has no kubelet client certificate) use logs, exec and port-forward.
	// Eviction thresholds are absolute: a percentage of a large disk (1 % of 252 GB is 2.5 GB)
	// evicts pods on a CI host that has a few GiB free while the data tests copy their trees.
	conf := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://%s
cgroupDriver: cgroupfs
cgroupRoot: %s
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
resolvConf: %s
clusterDomain: cluster.local
clusterDNS: [%s]
serializeImagePulls: false
evictionHard: {memory.available: 100Mi, nodefs.available: 256Mi, imagefs.available: 256Mi, nodefs.inodesFree: 1%%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 110
syncFrequency: 10s
fileCheckFrequency: 5s
`, NodeIP, n.containerdSocket(), n.cgroot, filepath.Join(n.Dir, "etc", "resolv.conf"), NodeIP)
	confPath := filepath.Join(d, "config.yaml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return err
	}
	if err := n.start("kubelet", n.kubelet(),
		"--config="+confPath, "--kubeconfig="+kc, "--root-dir="+filepath.Join(d, "root"),
		"--hostname-override="+NodeName, "--node-ip="+NodeIP, "--v=2"); err != nil {
		return err
	}
	cs, err := n.Client()
	if err != nil {
		return err
	}
	if err := n.waitFor(ctx, "node "+NodeName+" Ready", func(ctx context.Context) error {
		node, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return errors.New("node not Ready")
	}); err != nil {
		return err
	}
	return n.waitFor(ctx, "default ServiceAccount", func(ctx context.Context) error {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

// writeKubeletKubeconfig signs a client certificate system:node:<name> (group system:nodes,
// for the Node authorizer) with the control plane's CA.
func (n *Node) writeKubeletKubeconfig(path string) error {
	pki := filepath.Join(n.Cluster.Dir, "pki")
	caPEM, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return err
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(pki, "ca.key"))
	if err != nil {
		return err
	}
	ca, caKey, err := parseCA(caPEM, caKeyPEM)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "system:node:" + NodeName, Organization: []string{"system:nodes"}},
		NotBefore:    now,
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("signing kubelet certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["berth-test"] = &clientcmdapi.Cluster{Server: n.URL, CertificateAuthorityData: caPEM}
	kc.AuthInfos["kubelet"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		ClientKeyData:         pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	kc.Contexts["kubelet"] = &clientcmdapi.Context{Cluster: "berth-test", AuthInfo: "kubelet"}
	kc.CurrentContext = "kubelet"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

func parseCA(certPEM, keyPEM []byte) (*x509.Certificate, any, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("control plane CA: no PEM data")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("control plane CA: %w", err)
	}
	if k, err := x509.ParseECPrivateKey(kb.Bytes); err == nil {
		return cert, k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("control plane CA key: %w", err)
	}
	return cert, k, nil
}

// makeCgroupRoot creates the kubelet's cgroup root in every hierarchy. Pods of this node live
// below it, so parallel nodes never mix and Stop can find every container process.
func (n *Node) makeCgroupRoot() error {
	n.cgroot = "/" + filepath.Base(n.Dir)
	if err := os.WriteFile(filepath.Join(n.Dir, cgrootFile), []byte(n.cgroot+"\n"), 0o600); err != nil {
		return err
	}
	if cgroupV2() {
		dir := "/sys/fs/cgroup" + n.cgroot
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		ctrl, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control")
		if err != nil {
			return err
		}
		for _, c := range strings.Fields(string(ctrl)) {
			_ = os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+"+c), 0o644)
		}
		return nil
	}
	for _, h := range cgroupHierarchies() {
		dir := filepath.Join(h, n.cgroot)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		// cgroup v1 cpuset: a child has no CPUs until given its parent's
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if b, err := os.ReadFile(filepath.Join(h, f)); err == nil {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cgroupHierarchies lists the mounted cgroup hierarchies (v1: one per controller set; v2:
// the single unified one).
func cgroupHierarchies() []string {
	if cgroupV2() {
		return []string{"/sys/fs/cgroup"}
	}
	var hs []string
	entries, _ := os.ReadDir("/sys/fs/cgroup")
	for _, e := range entries {
		h := filepath.Join("/sys/fs/cgroup", e.Name())
		if _, err := os.Stat(filepath.Join(h, "cgroup.procs")); err == nil && e.IsDir() {
			hs = append(hs, h)
		}
	}
	return hs
}
