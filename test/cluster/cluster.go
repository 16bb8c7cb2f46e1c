package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Mode selects which control-plane components Start runs.
type Mode int

const (
	// Full runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with
	// fake nodes: Deployments become Available, Jobs complete, PVCs bind (no container runs).
	Full Mode = iota
	// APIServerOnly runs etcd and kube-apiserver: objects are validated and stored, nothing
	// reconciles them. Enough for dry-run checks; starts faster.
	APIServerOnly
	// ControlPlane runs etcd, kube-apiserver, kube-controller-manager and kube-scheduler but
	// no kwok, fake nodes or PVs: the mode under a real kubelet (package realnode).
	ControlPlane
)

func (m Mode) String() string {
	switch m {
	case APIServerOnly:
		return "apiserver-only"
	case ControlPlane:
		return "control-plane"
	}
	return "full"
}

// Default loopback ranges: no address the cluster hands out can send traffic off the machine.
const (
	DefaultServiceCIDR = "127.96.0.0/16"
	DefaultPodCIDR     = "127.16.0.1/16"
)

// Options configures Start. The zero value starts a Full cluster with one fake node and
// 50 PersistentVolumes in a fresh temporary directory.
type Options struct {
	Mode Mode
	// Dir is the run directory (kubeconfig, logs/, pki/, etcd/). Default: a new directory
	// under os.TempDir(), removed by Stop.
	Dir string
	// KeepDir keeps the run directory after Stop (also set by BERTH_TEST_KEEP=1).
	KeepDir bool
	// Nodes is the number of fake kwok nodes in Full mode (default 1).
	Nodes int
	// PVs is the number of pre-made 1Ti PersistentVolumes of the default StorageClass
	// "standard" in Full mode, each bound at most once (default 50; negative: none).
	PVs int
	// Timeout bounds the start-up (default 2 minutes).
	Timeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL (default 10s).
	StopGrace time.Duration
	// ServiceCIDR and PodCIDR default to DefaultServiceCIDR and DefaultPodCIDR.
	ServiceCIDR string
	PodCIDR     string
	// Logf receives progress lines (for example testing.TB.Logf); nil discards them.
	Logf func(format string, args ...any)
	// Bin overrides the binaries found by Binaries.
	Bin *Bin
	// KwokConfig is extra kwok configuration for Full mode (YAML documents such as
	// kwok.x-k8s.io/v1alpha1 Stage objects), passed with --config. Pod stages given here
	// replace kwok's default pod stages, so include ready, complete and delete stages.
	KwokConfig string
	// NetNS, when set, is a network namespace (such as /proc/PID/ns/net) in which every
	// component runs; Dial must then reach into it. Used by package realnode.
	NetNS string
	// Dial, when set, makes every connection the harness opens to its components (health
	// checks, Config).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// APIServerArgs are extra kube-apiserver flags.
	APIServerArgs []string
}

// Timing is the time from the start of Start to the end of one start-up step.
type Timing struct {
	Step    string
	Elapsed time.Duration
}

// Cluster is a running test control plane. Its methods are safe for concurrent use.
type Cluster struct {
	// Dir is the run directory; Kubeconfig is the path of an admin kubeconfig in it.
	Dir        string
	Kubeconfig string
	// Config is an admin (system:masters) client configuration; copy it before changing it.
	Config *rest.Config
	// URL is the apiserver's address, https://127.0.0.1:<port>.
	URL  string
	Mode Mode
	// Timings records how long each start-up step took.
	Timings []Timing

	opts    Options
	bin     Bin
	pki     *pki
	spawner *spawner
	started time.Time
	apiArgs []string

	mu      sync.Mutex
	procs   []*Proc
	stopped bool
	stopErr error
}

// Start starts a control plane and waits until it is usable: the apiserver is ready and, in
// Full mode, the fake nodes are Ready and the default ServiceAccount exists. On failure it
// stops everything it started and returns an error holding the tail of each process's log;
// the run directory (without etcd's data) is kept for inspection.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts = withDefaults(opts)
	c := &Cluster{Mode: opts.Mode, opts: opts, started: time.Now()}
	if opts.Bin != nil {
		c.bin = *opts.Bin
	} else {
		b, err := Binaries()
		if err != nil {
			return nil, err
		}
		c.bin = b
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.makeDir(); err != nil {
		return nil, err
	}
	sp, err := newSpawner(opts.NetNS)
	if err != nil {
		return nil, err
	}
	c.spawner = sp
	if err := c.boot(ctx); err != nil {
		msg := c.failureReport()
		_ = c.stop(false)
		_ = os.RemoveAll(filepath.Join(c.Dir, "etcd"))
		return nil, fmt.Errorf("starting test cluster (%s mode) in %s: %w%s", opts.Mode, c.Dir, err, msg)
	}
	c.mark("ready")
	c.logf("cluster ready in %s: %s mode, %s, kubeconfig %s", c.since(), opts.Mode, c.URL, c.Kubeconfig)
	return c, nil
}

func withDefaults(o Options) Options {
	if o.Nodes <= 0 {
		o.Nodes = 1
	}
	if o.PVs == 0 {
		o.PVs = 50
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 10 * time.Second
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = DefaultServiceCIDR
	}
	if o.PodCIDR == "" {
		o.PodCIDR = DefaultPodCIDR
	}
	if os.Getenv("BERTH_TEST_KEEP") == "1" {
		o.KeepDir = true
	}
	return o
}

func (c *Cluster) makeDir() error {
	if c.opts.Dir == "" {
		sweepStaleDirs(os.TempDir())
		d, err := os.MkdirTemp("", runDirPrefix)
		if err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
		c.Dir = d
	} else {
		d, err := filepath.Abs(c.opts.Dir)
		if err != nil {
			return err
		}
		if ownerAlive(d) {
			return fmt.Errorf("run directory %s is in use by a running cluster", d)
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
		c.Dir = d
	}
	if err := os.WriteFile(filepath.Join(c.Dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing run directory owner: %w", err)
	}
	for _, sub := range []string{"logs", "pki", "etcd"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, sub), 0o700); err != nil {
			return fmt.Errorf("creating run directory: %w", err)
		}
	}
	return nil
}

// boot runs the start-up steps in order.
func (c *Cluster) boot(ctx context.Context) error {
	_, svcNet, err := net.ParseCIDR(c.opts.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("service CIDR: %w", err)
	}
	serviceIP := append(net.IP(nil), svcNet.IP.To4()...)
	serviceIP[3]++
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	// etcd starts while the certificates are made
	if err := c.start("etcd", c.bin.Etcd,
		"--name=berth-test", "--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=berth-test="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return err
	}
	if c.pki, err = writePKI(filepath.Join(c.Dir, "pki"), serviceIP); err != nil {
		return err
	}
	c.URL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	if err := c.writeKubeconfig(); err != nil {
		return err
	}
	c.mark("certificates")
	// kube-apiserver starts while etcd comes up: it retries its etcd connection, and its
	// /readyz includes etcd. The wait for etcd only makes an etcd failure name etcd.
	c.apiArgs = c.apiServerArgs(etcdURL, apiPort)
	if err := c.start("kube-apiserver", c.bin.KubeAPIServer, c.apiArgs...); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "etcd healthy", func(ctx context.Context) error { return c.etcdHealthy(ctx, etcdURL) }); err != nil {
		return err
	}
	if err := c.waitFor(ctx, "kube-apiserver ready", c.apiReady); err != nil {
		return err
	}
	if c.Mode == Full || c.Mode == ControlPlane {
		return c.bootFull(ctx)
	}
	return nil
}

func (c *Cluster) apiServerArgs(etcdURL string, port int) []string {
	p := c.pki
	return append([]string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + p.dir, "--tls-cert-file=" + p.serverCert, "--tls-private-key-file=" + p.serverKey,
		"--client-ca-file=" + p.caCert, "--token-auth-file=" + p.tokens,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub, "--service-account-signing-key-file=" + p.saKey,
		"--service-cluster-ip-range=" + c.opts.ServiceCIDR,
		// the "kubernetes" Service gets no endpoints: 127.0.0.1 is not a valid endpoint
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true", "--profiling=false", "--v=1",
	}, c.opts.APIServerArgs...)
}

func (c *Cluster) writeKubeconfig() error {
	c.Config = &rest.Config{
		Host:            c.URL,
		BearerToken:     c.pki.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.pki.caPEM},
		QPS:             200,
		Burst:           400,
		Timeout:         30 * time.Second,
		Dial:            c.opts.Dial,
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["berth-test"] = &clientcmdapi.Cluster{Server: c.URL, CertificateAuthorityData: c.pki.caPEM}
	kc.AuthInfos["berth-test-admin"] = &clientcmdapi.AuthInfo{Token: c.pki.token}
	kc.Contexts["berth-test"] = &clientcmdapi.Context{Cluster: "berth-test", AuthInfo: "berth-test-admin", Namespace: "default"}
	kc.CurrentContext = "berth-test"
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, c.Kubeconfig); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return os.Chmod(c.Kubeconfig, 0o600)
}

// CertConfig returns an admin configuration that authenticates with a client certificate
// (CN berth-test-admin, O system:masters) instead of the bearer token of Config, for code
// that must exercise certificate authentication.
func (c *Cluster) CertConfig() *rest.Config {
	cfg := rest.CopyConfig(c.Config)
	cfg.BearerToken = ""
	cfg.CertData = c.pki.adminPEM
	cfg.KeyData = c.pki.adminKeyPEM
	return cfg
}

// Client returns a typed clientset for c.Config.
func (c *Cluster) Client() (*kubernetes.Clientset, error) {
	return kubernetes.NewForConfig(c.Config)
}

// start starts one component and records it.
func (c *Cluster) start(name, exe string, args ...string) error {
	p, err := c.startProc(name, exe, args)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		_ = p.Stop(c.opts.StopGrace)
		return errors.New("cluster is stopped")
	}
	c.procs = append(c.procs, p)
	c.logf("started %s (pid %d)", name, p.PID())
	return nil
}

// startProc starts one component from the spawner thread, its log in Dir/logs.
func (c *Cluster) startProc(name, exe string, args []string) (*Proc, error) {
	return StartProc(c.spawner.start, name, exe, filepath.Join(c.Dir, "logs"), append([]string{exe}, args...),
		nil, ChildEnv("127.0.0.1,localhost", "ETCDCTL_API"))
}

// waitFor polls check until it succeeds, a component exits, or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	if err := Poll(ctx, what, check, c.procList); err != nil {
		return err
	}
	c.mark(what)
	return nil
}

// procList is a copy of the started components.
func (c *Cluster) procList() []*Proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.procs)
}

func (c *Cluster) apiReady(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("/readyz: %s", body)
	}
	return nil
}

func (c *Cluster) etcdHealthy(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil, DialContext: c.opts.Dial}}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd /health: %s", resp.Status)
	}
	return nil
}

// freePorts picks n distinct free TCP ports on 127.0.0.1 in 20000-32767, below Linux's
// ephemeral range so that outgoing connections cannot take them between pick and bind.
func freePorts(n int) ([]int, error) {
	var ports []int
	seen := map[int]bool{}
	for tries := 0; len(ports) < n && tries < 500; tries++ {
		p := 20000 + rand.IntN(12768)
		if seen[p] {
			continue
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, errors.New("no free TCP port found on 127.0.0.1 in 20000-32767")
	}
	return ports, nil
}

func (c *Cluster) mark(step string) {
	c.Timings = append(c.Timings, Timing{Step: step, Elapsed: time.Since(c.started)})
}

func (c *Cluster) since() string {
	return time.Since(c.started).Round(10 * time.Millisecond).String()
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf("cluster: "+format, args...)
	}
}

// failureReport returns the last lines of each component's log.
func (c *Cluster) failureReport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return FailureReport(c.procs)
}
