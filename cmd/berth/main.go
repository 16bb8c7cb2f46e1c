// Command berth converts Docker Compose and ECS applications to Kubernetes (convert, validate,
// plan, report). The commands that drive a cluster are in the berth-cluster executable, which
// berth runs in its place: keeping the Helm SDK and client-go out of this one makes
// `berth convert` start several times faster.
package main

import (
	"os"

	"github.com/berth-dev/berth/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.Cluster{}))
}
