// Command berth-cluster is berth with the commands that drive a cluster: apply, diff, status,
// restart, down, rollback, history and validate --server, next to convert, validate, plan and
// report. berth hands those commands over to it; it can also be run on its own.
package main

import (
	"os"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/cli/cluster"
)

func main() {
	os.Exit(cli.Main(cluster.Extension()))
}
