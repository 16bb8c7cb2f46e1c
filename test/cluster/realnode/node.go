package realnode

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/test/cluster"
)

// holderScript sets up the namespaces the holder was cloned into, then sleeps forever. Its
// mount namespace is a slave of the host's: host mounts propagate in, ours never out.
const holderScript = `
D=$1; NODE_IP=$2; SERVICE_CIDR=$3
mount --make-rslave /
ip link set lo up
ip addr add "$NODE_IP/32" dev lo
# without a route, connect() to a ClusterIP fails before kube-proxy's DNAT sees it
ip route add "$SERVICE_CIDR" dev lo
mount -t tmpfs -o mode=755,size=512m berth-realnode-run /run
mount --bind "$D/varlog" /var/log
mount --bind "$D/etc/hosts" /etc/hosts
if [ -f /etc/resolv.conf ] && [ ! -L /etc/resolv.conf ]; then mount --bind "$D/etc/resolv.conf" /etc/resolv.conf; fi
exec sleep infinity
`

// startHolder starts the process that owns the node's network and mount namespaces.
func (n *Node) startHolder(ctx context.Context) error {
	etc := filepath.Join(n.Dir, "etc")
	if err := os.WriteFile(filepath.Join(etc, "hosts"), []byte("127.0.0.1 localhost\n"+NodeIP+" "+NodeName+"\n"), 0o644); err != nil {
		return err
	}
	// the node never uses the host's resolver
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte("nameserver 127.0.0.1\n"), 0o644); err != nil {
		return err
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return err
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		return err
	}
	p, err := startProc(n.thread, "holder", sleep, filepath.Join(n.Dir, "logs"),
		[]string{sh, "-ec", holderScript, "berth-realnode-holder", n.Dir, NodeIP, ServiceCIDR},
		&syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.holder = p
	n.HolderPID = p.PID()
	n.mu.Unlock()
	nsPath := "/proc/" + strconv.Itoa(p.PID()) + "/ns/net"
	ns, err := os.Readlink(nsPath)
	if err != nil {
		return err
	}
	self, _ := os.Readlink("/proc/self/ns/net")
	if ns == self {
		return fmt.Errorf("holder %d is not in a network namespace of its own", p.PID())
	}
	// recorded for sweepStale: a later run can find what a killed test process left behind
	if err := os.WriteFile(filepath.Join(n.Dir, netnsFile), []byte(ns+"\n"), 0o600); err != nil {
		return err
	}
	return n.thread.join(nsPath)
}

// startControlPlane starts etcd, kube-apiserver, controller-manager and scheduler inside the
// namespace (no kwok: the real kubelet is the node).
func (n *Node) startControlPlane(ctx context.Context) error {
	bin := n.bin
	c, err := cluster.Start(ctx, cluster.Options{
		Mode:        cluster.ControlPlane,
		Dir:         filepath.Join(n.Dir, "cp"),
		KeepDir:     true, // removed with n.Dir
		ServiceCIDR: ServiceCIDR,
		PVs:         -1,
		NetNS:       n.thread.path,
		Dial:        n.thread.DialContext,
		// the apiserver reaches the kubelet (logs, exec, port-forward) by the node's IP
		APIServerArgs: []string{"--kubelet-preferred-address-types=InternalIP"},
		Logf:          n.opts.Logf,
		Bin:           &bin,
	})
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.Cluster = c
	n.mu.Unlock()
	cfg := rest.CopyConfig(c.Config)
	n.Config = cfg
	return nil
}

// StartProcess starts a program inside the node's network and mount namespaces (127.0.0.1
// is the node's: its registry at RegistryAddr, its API forwarders) for a test, for example
// buildkitd pushing to the node's registry. Its log is logs/<name>.log in the run directory;
// Stop stops it before containerd.
func (n *Node) StartProcess(name, exe string, args ...string) error {
	return n.start(name, exe, args...)
}

// start starts a node process inside both namespaces (nsenter execs the binary in place).
func (n *Node) start(name, exe string, args ...string) error {
	argv := append([]string{"nsenter", "-t", strconv.Itoa(n.HolderPID), "--net", "--mount", "--", exe}, args...)
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return err
	}
	argv[0] = nsenter
	p, err := startProc(n.thread, name, exe, filepath.Join(n.Dir, "logs"), argv, nil)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.procs[name] = p
	n.logf("started %s (pid %d)", name, p.PID())
	return nil
}

// serve accepts connections on l and forwards each to target inside the namespace.
func (n *Node) forward(l net.Listener, target string) {
	n.mu.Lock()
	n.listeners = append(n.listeners, l)
	n.mu.Unlock()
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				out, err := n.thread.DialContext(context.Background(), "tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = copyClose(out, in); done <- struct{}{} }()
				go func() { _, _ = copyClose(in, out); done <- struct{}{} }()
				<-done
				<-done
			}()
		}
	}()
}
