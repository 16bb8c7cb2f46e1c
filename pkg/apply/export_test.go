package apply

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// List exposes the one-pass list read to the external tests, which compare it with client-go's.
func (c *Client) List(ctx context.Context, m *meta.RESTMapping, ns, selector string) ([]unstructured.Unstructured, error) {
	return c.list(ctx, m, ns, selector)
}
