// Command berth-cluster is berth with the commands that drive a cluster: apply, diff, status,
// restart, down, rollback, history and validate --server, next to convert, validate, plan and
// report. berth hands those commands over to it; it can also be run on its own.
package main

import (
	"os"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/cli/cluster"
)

func main() {
	// client-go logs through klog to stderr (a failed WebSocket ping when the API server goes
	// away mid-stream, retries): berth's own error already says what happened and what to do.
	klog.SetLogger(logr.Discard())
	os.Exit(cli.Main(cluster.Extension()))
}
