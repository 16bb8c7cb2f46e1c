// Package cluster holds the commands that talk to a Kubernetes cluster (apply, diff, status,
// restart, down, rollback, history, and validate --server), and the full offline validators. The berth-cluster executable links
// it, with the Helm SDK and client-go; the lean berth executable hands these commands over.
package cluster

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
	"github.com/berth-dev/berth/pkg/validate/server"
)

// Extension is what berth-cluster adds to berth's command tree.
func Extension() cli.Cluster {
	return cli.Cluster{
		Commands:       []func(cli.IO) *cobra.Command{newBuild, newApply, newDiff, newStatus, newRestart, newDown, newRollback, newHistory, newData},
		ServerValidate: serverValidate,
		FullCheck:      FullCheck,
	}
}

// FullCheck runs the full offline validators on objs in this process, decoding the schemas
// of their group-versions only.
func FullCheck(kubeVersion string, objs []*unstructured.Unstructured) ([]validate.Result, error) {
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, o := range objs {
		if gv := o.GroupVersionKind().GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	v, err := full.NewOfflineFor(kubeVersion, gvs)
	if err != nil {
		return nil, err
	}
	return v.Validate(objs), nil
}

// NewRoot builds the whole command tree: berth's commands and the cluster commands.
func NewRoot(streams cli.IO) *cobra.Command {
	return cli.NewRoot(streams, Extension())
}

// serverValidate runs `berth validate --server`: a strict server-side dry-run of objs on the
// cluster of the kubeconfig, as kubectl would connect.
func serverValidate(ctx context.Context, environ []string, kubeconfig, kubeContext string, objs []*unstructured.Unstructured) ([]validate.Result, error) {
	k := kubeFlags{kubeconfig: kubeconfig, context: kubeContext}
	cfg, ns, err := k.config(environ)
	if err != nil {
		return nil, err
	}
	return server.Check(ctx, cfg, objs, server.Options{DefaultNamespace: ns})
}
