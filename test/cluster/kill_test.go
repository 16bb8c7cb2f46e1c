package cluster_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/berth-dev/berth/test/cluster"
)

const childEnv = "BERTH_CLUSTER_TEST_CHILD"

// A test process that dies without calling Stop (SIGKILL, a go test timeout) leaves no
// control-plane process behind: the children die with it through their parent-death signal.
func TestKilledTestProcessLeavesNothingRunning(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		runChild()
		return
	}
	cluster.RequireBinaries(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledTestProcessLeavesNothingRunning$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var report struct {
		PIDs map[string]int
		Dir  string
		Err  string
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if json.Unmarshal(sc.Bytes(), &report) == nil && (report.PIDs != nil || report.Err != "") {
			break
		}
	}
	if report.Err != "" || len(report.PIDs) != 2 {
		t.Fatalf("child: pids %v, error %q", report.PIDs, report.Err)
	}
	for name, pid := range report.PIDs {
		if !pidAlive(pid) {
			t.Fatalf("%s (pid %d) not running before the kill", name, pid)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for name, pid := range report.PIDs {
		for pidAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if pidAlive(pid) {
			t.Errorf("%s (pid %d) still running after its test process was killed", name, pid)
		}
	}
	// the next Start removes the dead process's run directory
	c := cluster.ForTest(t, cluster.Options{Mode: cluster.APIServerOnly})
	_ = c
	if _, err := os.Stat(report.Dir); !os.IsNotExist(err) {
		t.Errorf("run dir %s of the killed process still exists after the next Start (err %v)", report.Dir, err)
	}
}

// runChild starts a cluster, reports its PIDs on stdout and waits to be killed.
func runChild() {
	c, err := cluster.Start(context.Background(), cluster.Options{Mode: cluster.APIServerOnly})
	enc := json.NewEncoder(os.Stdout)
	if err != nil {
		_ = enc.Encode(map[string]any{"Err": err.Error()})
		return
	}
	_ = enc.Encode(map[string]any{"PIDs": c.PIDs(), "Dir": c.Dir})
	time.Sleep(2 * time.Minute)
	fmt.Fprintln(os.Stderr, "child: not killed in time")
	_ = c.Stop()
}
