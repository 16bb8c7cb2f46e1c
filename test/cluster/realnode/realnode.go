// Package realnode runs a throwaway single-node Kubernetes cluster whose pods are real
// containers: the project's test control plane (package cluster) plus containerd, runc and
// the CNI bridge from Debian, kubelet and kube-proxy built by test/cluster/build.sh, CoreDNS,
// hostPath PersistentVolumes and an in-process image registry.
//
// Everything runs inside one private network + mount namespace held by a "holder" process.
// That namespace has only lo (127.0.0.1 and the node IP), the CNI bridge and the pods' veths:
// no route leaves it, so nothing the cluster or its pods do can reach the machine's network,
// and every mount (container root filesystems, volumes, a tmpfs on /run) vanishes with it.
// The test process reaches the API server through Config (its Dial joins the namespace) or
// through Kubeconfig (a forwarder on the host's 127.0.0.1).
//
// The traps this design avoids are documented in ../../../../shared/realnode/README.md, the
// measured recipe it follows: no CAP_SYS_RESOURCE (containerd's restrict_oom_score_adj),
// cgroup v1 with the cgroupfs driver and a cgroup root of our own, containerd shims that
// outlive containerd, ClusterIPs that need a route on lo, and the "kubernetes" Service.
package realnode

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/test/cluster"
)

// Network layout inside the namespace. 198.18.0.0/15 is the RFC 2544 benchmarking block:
// it exists only inside the namespace, never on the machine's network.
const (
	NodeName    = "realnode"
	NodeIP      = "198.18.0.1"
	PodCIDR     = "198.18.1.0/24"
	ServiceCIDR = "198.19.0.0/16"
	// RegistryAddr is where the in-process image registry listens inside the namespace;
	// containerd uses it as the mirror of every registry.
	RegistryAddr = "127.0.0.1:5000"
)

// Options configures Start. The zero value is a usable default.
type Options struct {
	// Dir is the run directory. Default: a new directory under os.TempDir(), removed by Stop.
	Dir string
	// KeepDir keeps the run directory after Stop (also set by BERTH_TEST_KEEP=1).
	KeepDir bool
	// PVs is the number of hostPath PersistentVolumes of the default StorageClass "standard"
	// (directories under Dir/pv; default 20; negative: none).
	PVs int
	// Timeout bounds the start-up (default 3 minutes).
	Timeout time.Duration
	// Logf receives progress lines (for example testing.TB.Logf); nil discards them.
	Logf func(format string, args ...any)
	// Bin overrides the binaries found by cluster.Binaries.
	Bin *cluster.Bin
}

// Node is a running real-node cluster.
type Node struct {
	// Cluster is the control plane (etcd, kube-apiserver, controller-manager, scheduler).
	*cluster.Cluster
	// Config is an admin client configuration usable from the test process.
	Config *rest.Config
	// Kubeconfig is an admin kubeconfig usable by other processes on this machine
	// (kubectl, berth): it points at a forwarder on the host's 127.0.0.1.
	Kubeconfig string
	// Dir is the run directory.
	Dir string
	// HolderPID owns the namespaces; `nsenter -t HolderPID --net --mount` enters them.
	HolderPID int
	// Timings records how long each start-up step took.
	Timings []cluster.Timing

	opts     Options
	bin      cluster.Bin
	thread   *nsThread
	started  time.Time
	cgroot   string
	registry *registry
	pause    chan pauseResult

	mu        sync.Mutex
	procs     map[string]*cluster.Proc
	holder    *cluster.Proc
	listeners []net.Listener
	stopped   bool
	stopErr   error
}

type pauseResult struct {
	img v1.Image
	err error
}

// ErrUnsupported is wrapped by Start's error when this host cannot run a real node at all
// (not root, no usable cgroups, no namespaces). Tests skip on it outside CI (see ForTest).
var ErrUnsupported = errors.New("this host cannot run a real node")

// Start starts a real-node cluster and waits until the node is Ready, kube-proxy has synced,
// CoreDNS answers and the default ServiceAccount exists. On failure it stops everything it
// started and returns an error with the tail of each process's log.
func Start(ctx context.Context, opts Options) (*Node, error) {
	if opts.PVs == 0 {
		opts.PVs = 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Minute
	}
	if os.Getenv("BERTH_TEST_KEEP") == "1" {
		opts.KeepDir = true
	}
	if err := Supported(); err != nil {
		return nil, err
	}
	n := &Node{opts: opts, started: time.Now(), procs: map[string]*cluster.Proc{}}
	if opts.Bin != nil {
		n.bin = *opts.Bin
	} else {
		b, err := cluster.Binaries()
		if err != nil {
			return nil, err
		}
		n.bin = b
	}
	if err := n.checkBinaries(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := n.makeDir(); err != nil {
		return nil, err
	}
	n.thread = newNSThread()
	// the sandbox image is built (go build, ~0.5s) while the control plane starts
	n.pause = make(chan pauseResult, 1)
	go func() {
		img, err := PauseImage()
		n.pause <- pauseResult{img, err}
	}()
	if err := n.boot(ctx); err != nil {
		report := n.failureReport()
		n.opts.KeepDir = true
		_ = n.Stop()
		return nil, fmt.Errorf("starting real node in %s: %w%s", n.Dir, err, report)
	}
	n.mark("ready")
	n.logf("real node ready in %s: %s, kubeconfig %s", time.Since(n.started).Round(10*time.Millisecond), n.URL, n.Kubeconfig)
	return n, nil
}

func (n *Node) boot(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"namespaces", n.startHolder},
		{"control plane", n.startControlPlane},
		{"image registry", n.startRegistry},
		{"containerd", n.startContainerd},
		{"kubelet", n.startKubelet},
		{"kubernetes Service", n.startAPIService},
		{"kube-proxy", n.startKubeProxy},
		{"CoreDNS", n.startCoreDNS},
		{"storage", n.createStorage},
		{"host access", n.startHostForwarder},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		n.mark(s.name)
	}
	return nil
}

// Client returns a typed clientset for n.Config.
func (n *Node) Client() (*kubernetes.Clientset, error) {
	return kubernetes.NewForConfig(n.Config)
}

func (n *Node) makeDir() error {
	sweepStale(os.TempDir())
	if n.opts.Dir == "" {
		d, err := os.MkdirTemp("", runDirPrefix)
		if err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
		n.Dir = d
	} else {
		d, err := filepath.Abs(n.opts.Dir)
		if err != nil {
			return err
		}
		n.Dir = d
	}
	if err := os.WriteFile(filepath.Join(n.Dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing run directory owner: %w", err)
	}
	for _, sub := range []string{"cp", "logs", "etc", "varlog", "cni/net.d", "cni/ipam", "containerd", "kubelet", "pv"} {
		if err := os.MkdirAll(filepath.Join(n.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
	}
	return os.Chmod(n.Dir, 0o755)
}

func (n *Node) mark(step string) {
	n.Timings = append(n.Timings, cluster.Timing{Step: step, Elapsed: time.Since(n.started)})
}

func (n *Node) logf(format string, args ...any) {
	if n.opts.Logf != nil {
		n.opts.Logf("realnode: "+format, args...)
	}
}

// failureReport returns the last lines of each process's log.
func (n *Node) failureReport() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var procs []*cluster.Proc
	for _, name := range []string{"holder", "containerd", "kubelet", "kube-proxy", "coredns"} {
		if p := n.procs[name]; p != nil {
			procs = append(procs, p)
		}
	}
	return cluster.FailureReport(procs)
}

// waitFor polls check every 100ms until it succeeds, a node process exits, or ctx ends.
func (n *Node) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	err := cluster.Poll(ctx, what, check, n.procList)
	var exited *cluster.ExitError
	switch {
	case errors.As(err, &exited):
		return fmt.Errorf("%w:\n%s", err, exited.Proc.Tail(20))
	case err != nil:
		return err
	}
	n.logf("%s (%s)", what, time.Since(n.started).Round(10*time.Millisecond))
	return nil
}

// procList is a copy of the node's processes.
func (n *Node) procList() []*cluster.Proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Collect(maps.Values(n.procs))
}
