package cluster

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// Environment variables that decide what a test does when the binaries are missing.
const (
	// EnvSkip set to "1" lets cluster tests skip (loudly) when the binaries are missing,
	// except under CI.
	EnvSkip = "BERTH_SKIP_CLUSTER"
)

// RequireBinaries fails t when the control-plane binaries are missing. Only outside CI
// (CI != "true") and with BERTH_SKIP_CLUSTER=1 does it skip instead, with a loud message.
func RequireBinaries(t testing.TB) Bin {
	t.Helper()
	b, err := Binaries()
	if err == nil {
		return b
	}
	if os.Getenv("CI") != "true" && os.Getenv(EnvSkip) == "1" {
		t.Skipf("SKIPPING: this test needs the test control plane and %s=1: %v", EnvSkip, err)
	}
	t.Fatalf("%v (set %s=1 to skip cluster tests outside CI)", err, EnvSkip)
	return b
}

// ForTest starts a cluster for one test and stops it in t.Cleanup, also when the test fails.
// Progress goes to t.Logf unless opts.Logf is set.
func ForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	RequireBinaries(t)
	return StartForTest(t, "test cluster", &opts.Logf, func() (*Cluster, error) { return Start(context.Background(), opts) })
}

// StartForTest starts what (a cluster, a real node) with start, its progress going to
// *logf, or to t.Logf when that is nil, and stops it in t.Cleanup, also when the test fails;
// a failed start fails t.
func StartForTest[T interface{ Stop() error }](t testing.TB, what string, logf *func(string, ...any), start func() (T, error)) T {
	t.Helper()
	if *logf == nil {
		*logf = t.Logf
	}
	x, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.Stop(); err != nil {
			t.Errorf("stopping %s: %v", what, err)
		}
	})
	return x
}

// Shared is one cluster shared by all tests of a package. It is started by the first Get, so
// a `go test -run` that selects no cluster test starts nothing, and stopped by Run after the
// package's tests finish:
//
//	var kube = cluster.NewShared(cluster.Options{})
//
//	func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }
//
//	func TestApply(t *testing.T) {
//		c := kube.Get(t)
//		...
//	}
//
// Tests sharing a cluster should work in their own namespaces.
type Shared struct {
	opts Options

	once    sync.Once
	mu      sync.Mutex
	cluster *Cluster
	err     error
	done    bool
}

// APIServer is the Shared of the packages that need only an apiserver (Mode APIServerOnly:
// dry runs and schema checks, no controllers), declared once for all of them:
//
//	func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }
var APIServer = NewShared(Options{Mode: APIServerOnly})

// NewShared returns a Shared that starts a cluster with opts on first use.
func NewShared(opts Options) *Shared {
	return &Shared{opts: opts}
}

// Get returns the package's cluster, starting it on the first call. It fails t (or skips it,
// see RequireBinaries) when the cluster cannot be started; later calls fail the same way
// without trying again.
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	RequireBinaries(t)
	s.once.Do(func() {
		s.mu.Lock()
		done := s.done
		s.mu.Unlock()
		if done {
			s.err = fmt.Errorf("shared cluster used after Run returned")
			return
		}
		c, err := Start(context.Background(), s.opts)
		s.mu.Lock()
		s.cluster, s.err = c, err
		s.mu.Unlock()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		t.Fatalf("shared test cluster: %v", s.err)
	}
	return s.cluster
}

// Run runs the package's tests and then stops the cluster if one was started. It returns
// the exit code for os.Exit; a failure to stop the cluster makes it non-zero.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	s.mu.Lock()
	s.done = true
	c := s.cluster
	s.mu.Unlock()
	if c != nil {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping shared test cluster: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
