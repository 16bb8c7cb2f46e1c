// Package cli holds berth's cobra commands. Commands are thin: flags → options struct →
// validate → run; the work happens in pkg/.
//
// This package is what the `berth` executable links: convert, validate, plan and report, with
// no cluster client and no Helm SDK, so `berth convert` starts fast. The commands that talk to
// a cluster live in package cli/cluster, linked by the `berth-cluster` executable; `berth`
// hands those commands over to it (see handoff.go).
package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/validate"
)

// IO carries the process streams, so commands never touch os.Stdout directly (tests can
// capture them).
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Environ is the process environment ("KEY=value"), read by commands instead of os.Getenv.
	Environ []string
}

// Cluster is what the berth-cluster executable adds to the command tree. The zero value is
// the lean `berth` executable: cluster commands and `validate --server` hand off to
// berth-cluster.
type Cluster struct {
	// Commands constructs the cluster commands; each one's name must be in ClusterCommands.
	Commands []func(IO) *cobra.Command
	// FullCheck runs the full offline validators (package validate/full) on what the fast
	// check cannot vouch for; nil: berth-cluster does it (`berth-cluster validate -o json -`).
	FullCheck FullCheck
	// ServerValidate runs `validate --server`: a server-side dry-run of objs on the cluster
	// of the kubeconfig (kubeconfig and kubeContext are the --kubeconfig and --context flags).
	ServerValidate func(ctx context.Context, environ []string, kubeconfig, kubeContext string, objs []*unstructured.Unstructured) ([]validate.Result, error)
}

// ClusterCommand names a command of the berth-cluster executable and says what it does: the
// one table both executables build their help from.
type ClusterCommand struct {
	Name  string
	Short string
}

// ClusterCommands lists the commands that talk to a cluster, in help order.
func ClusterCommands() []ClusterCommand {
	return []ClusterCommand{
		{"build", "Build the images of the services with a build section with BuildKit, and push them to a registry"},
		{"apply", "Convert and server-side apply an application, then wait for its rollouts"},
		{"diff", "Show what berth apply would change in the cluster"},
		{"status", "Show the application's workloads: ready replicas, images, age, and why not ready"},
		{"restart", "Roll the pods of the application's services (e.g. after an image moved under the same tag)"},
		{"down", "Delete what berth apply created; keep volumes unless --volumes"},
		{"rollback", "Roll a Helm release back to an earlier revision (default: the previous one)"},
		{"history", "List the revisions of the application's Helm release"},
		{"data", "Move data into the cluster: copy volumes into claims (verified), restore store dumps, print dump commands"},
	}
}

// ClusterShort is the one-line description of the cluster command name.
func ClusterShort(name string) string {
	for _, c := range ClusterCommands() {
		if c.Name == name {
			return c.Short
		}
	}
	return ""
}

// NewRoot builds the berth command tree: the commands of this package, plus cluster's, or
// hand-off commands for them when cluster is the zero value.
func NewRoot(streams IO, cluster Cluster) *cobra.Command {
	root := &cobra.Command{
		Use:           "berth",
		Short:         "Move Docker Compose and ECS applications onto Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	full := cluster.FullCheck
	if full == nil {
		full = clusterFullCheck(streams)
	}
	root.AddCommand(newConvert(streams, full), newValidate(streams, cluster.ServerValidate, full), newPlan(streams), newReport(streams),
		newVersion(streams))
	if len(cluster.Commands) > 0 {
		for _, add := range cluster.Commands {
			root.AddCommand(add(streams))
		}
		return root
	}
	for _, c := range ClusterCommands() {
		root.AddCommand(newHandoff(streams, c))
	}
	return root
}
