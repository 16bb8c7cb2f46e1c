package realnode

import (
	"syscall"

	"github.com/berth-dev/berth/test/cluster"
)

// startProc starts argv on thread t (in its network namespace) with its output in
// logDir/name.log: a cluster.Proc, whose argv[0] may be a launcher such as nsenter that execs
// exe in place.
func startProc(t *nsThread, name, exe, logDir string, argv []string, attr *syscall.SysProcAttr) (*cluster.Proc, error) {
	return cluster.StartProc(t.start, name, exe, logDir, argv, attr, cluster.ChildEnv("*", "CONTAINERD_ADDRESS"))
}
