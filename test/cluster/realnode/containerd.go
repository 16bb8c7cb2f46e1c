package realnode

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// mirroredRegistries are the registry hosts containerd sends to the in-process registry
// (besides the "*" wildcard); a pull of any other host fails fast (no route, no DNS).
var mirroredRegistries = []string{
	"docker.io", "registry-1.docker.io", "registry.k8s.io", "k8s.gcr.io", "gcr.io", "quay.io",
	"ghcr.io", "public.ecr.aws", "mcr.microsoft.com", "localhost",
}

func (n *Node) containerdSocket() string {
	return filepath.Join(n.Dir, "containerd", "containerd.sock")
}

// startContainerd writes the CNI and containerd configuration and starts containerd.
func (n *Node) startContainerd(ctx context.Context) error {
	gw, err := gateway(PodCIDR)
	if err != nil {
		return err
	}
	cni := fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "berth-realnode",
  "plugins": [{
    "type": "bridge", "bridge": "rn0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {
      "type": "host-local", "dataDir": %q,
      "ranges": [[{"subnet": %q, "gateway": %q}]],
      "routes": [{"dst": "0.0.0.0/0"}]
    }
  }]
}
`, filepath.Join(n.Dir, "cni", "ipam"), PodCIDR, gw)
	if err := os.WriteFile(filepath.Join(n.Dir, "cni", "net.d", "10-berth.conflist"), []byte(cni), 0o644); err != nil {
		return err
	}
	d := filepath.Join(n.Dir, "containerd")
	var mirrors strings.Builder
	for _, h := range append([]string{"*"}, mirroredRegistries...) {
		fmt.Fprintf(&mirrors, "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.%q]\n    endpoint = [\"http://%s\"]\n", h, RegistryAddr)
	}
	conf := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  enable_selinux = false
  # without CAP_SYS_RESOURCE (these machines' bounding set lacks it) runc cannot set the
  # negative oom_score_adj kubelet asks for (-998 for pause) and every pod fails with
  # "can't get final child's PID from pipe: EOF"; clamp to containerd's own score instead
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
    max_conf_num = 1
  # every registry is mirrored by the in-process one
%s`, filepath.Join(d, "root"), filepath.Join(d, "state"), n.containerdSocket(), n.containerdSocket()+".ttrpc",
		filepath.Join(d, "opt"), PauseImageRef, filepath.Join(n.Dir, "cni", "net.d"), mirrors.String())
	confPath := filepath.Join(d, "config.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return err
	}
	if err := n.start("containerd", "/usr/bin/containerd", "--config", confPath); err != nil {
		return err
	}
	// a unix socket path is reachable from any network namespace
	return n.waitFor(ctx, "containerd serving", func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", n.containerdSocket())
		if err != nil {
			return err
		}
		return c.Close()
	})
}

// gateway returns the first address of cidr (the CNI bridge's).
func gateway(cidr string) (string, error) {
	_, ipn, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", err
	}
	ip := ipn.IP.To4()
	if ip == nil {
		return "", fmt.Errorf("%s: not IPv4", cidr)
	}
	gw := append(net.IP(nil), ip...)
	gw[3]++
	return gw.String(), nil
}

// copyClose copies src to dst and then half-closes dst for writing.
func copyClose(dst, src net.Conn) (int64, error) {
	n, err := io.Copy(dst, src)
	if tc, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	return n, err
}
