package cluster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/test/cluster"
)

// A component that dies during start-up fails Start with the tail of its log; everything
// already started is stopped, and the run directory keeps the logs but not etcd's data.
func TestStartFailureReportsLogsAndCleansUp(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// this test binary stands in for etcd (fails at once) and kube-apiserver (waits), see
	// fakeComponent; a real binary, so the harness's /proc/PID/exe check applies as usual
	pidFile := filepath.Join(t.TempDir(), "apiserver.pid")
	t.Setenv(fakeComponentEnv, pidFile)
	b := &cluster.Bin{Dir: filepath.Dir(self), Etcd: self, KubeAPIServer: self}
	dir := filepath.Join(t.TempDir(), "run")
	_, err = cluster.Start(context.Background(), cluster.Options{Mode: cluster.APIServerOnly, Bin: b, Dir: dir})
	if err == nil {
		t.Fatal("Start succeeded with a failing etcd")
	}
	t.Logf("%v", err)
	for _, want := range []string{"etcd exited", "address already in use (simulated)", "--- etcd (last lines of"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q", want)
		}
	}
	pid, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatalf("kube-apiserver stand-in did not start: %v", rerr)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(string(pid))); pidAlive(n) {
		t.Errorf("kube-apiserver stand-in (pid %d) still running after the failed Start", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "etcd.log")); err != nil {
		t.Errorf("logs not kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "etcd")); !os.IsNotExist(err) {
		t.Errorf("etcd data dir kept (err %v)", err)
	}
}

const fakeComponentEnv = "BERTH_FAKE_COMPONENT_PIDFILE"

// fakeComponent is the test binary run as a control-plane component: as kube-apiserver
// (it gets --etcd-servers) it records its PID and waits; as etcd it fails once that PID is there.
func fakeComponent(args []string) int {
	for _, a := range args {
		if strings.HasPrefix(a, "--etcd-servers=") {
			path := os.Getenv(fakeComponentEnv)
			_ = os.WriteFile(path+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o600)
			_ = os.Rename(path+".tmp", path) // etcd's stand-in never sees a half-written file
			time.Sleep(time.Minute)
			return 0
		}
	}
	// Fail only once the kube-apiserver stand-in (started right after etcd) has recorded its
	// PID, however slow the machine: the test checks that Start stops it.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(os.Getenv(fakeComponentEnv)); err == nil {
			break
		}
	}
	fmt.Println("etcdmain: listen tcp: address already in use (simulated)")
	return 3
}

// Start refuses a run directory a live process owns.
func TestStartRefusesARunDirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &cluster.Bin{Dir: dir, Etcd: "/bin/true", KubeAPIServer: "/bin/true"}
	_, err := cluster.Start(context.Background(), cluster.Options{Mode: cluster.APIServerOnly, Bin: b, Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("err %v, want the run directory refused as in use", err)
	}
}
