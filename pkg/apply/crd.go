package apply

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// crdKinds returns, for each kind defined by a CustomResourceDefinition among objs, whether
// it is namespaced: custom resources of those kinds can be applied in the same run, after
// the first wave has created their definitions.
func crdKinds(objs []*unstructured.Unstructured) map[schema.GroupKind]bool {
	out := map[schema.GroupKind]bool{}
	for _, u := range objs {
		if u.GetKind() != "CustomResourceDefinition" || u.GroupVersionKind().Group != "apiextensions.k8s.io" {
			continue
		}
		group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(u.Object, "spec", "scope")
		if kind != "" {
			out[schema.GroupKind{Group: group, Kind: kind}] = scope != "Cluster"
		}
	}
	return out
}

// resolveDeferred maps the items whose kind a CRD of this apply defines, once the server
// serves it (a new CRD takes a moment to be established).
func (c *Client) resolveDeferred(ctx context.Context, items []*item, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, it := range items {
		if it.m != nil {
			continue
		}
		for {
			c.Mapper.Reset()
			m, err := c.Mapper.RESTMapping(it.u.GroupVersionKind().GroupKind(), it.u.GroupVersionKind().Version)
			if err == nil {
				it.m = m
				break
			}
			if !meta.IsNoMatchError(err) && !Transient(err) {
				return fmt.Errorf("%s: %w", ref(it.u), err)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: its CustomResourceDefinition was applied but the server does not serve %s after %s: %w",
					ref(it.u), gvkString(it.u.GroupVersionKind()), timeout, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}
