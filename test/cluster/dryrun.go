package cluster

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/server"
)

// DryRunFieldManager is the field manager of the harness's dry-run applies.
const DryRunFieldManager = "berth-test"

// DryRun checks objs against this cluster's apiserver: each object is server-side applied
// with dryRun=All and fieldValidation=Strict (field manager "berth-test"), so it passes
// through the server's full validation and admission without being stored. The namespaces
// the objects need are created for real first. Results are in the order of objs; a rejected
// object has Accepted false and the server's message, and validate.Err(results) fails on any
// rejection or warning. Kinds without a CustomResourceDefinition in the cluster are rejected.
func (c *Cluster) DryRun(ctx context.Context, objs []*unstructured.Unstructured) ([]validate.Result, error) {
	return server.Check(ctx, c.Config, objs, server.Options{
		FieldManager:     DryRunFieldManager,
		CreateNamespaces: true,
	})
}

// DryRunYAML is DryRun for a multi-document YAML (or JSON) stream.
func (c *Cluster) DryRunYAML(ctx context.Context, data []byte) ([]validate.Result, error) {
	objs, err := validate.ParseYAML(data)
	if err != nil {
		return nil, err
	}
	return c.DryRun(ctx, objs)
}
