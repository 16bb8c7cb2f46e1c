package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// members is the live state of an ApplySet: every object labelled as its member, found by
// listing each recorded or desired kind in each of the set's namespaces (one request per kind
// and namespace, in parallel).
type members struct {
	byKey    map[string]*unstructured.Unstructured
	mappings map[string]*meta.RESTMapping // by object key
	order    []string                     // keys, sorted
}

// scope is one list request: a kind in a namespace ("" for cluster-scoped kinds).
type scope struct {
	m  *meta.RESTMapping
	ns string
}

// readMembers lists the set's members of the desired kinds and of the kinds the parent
// recorded earlier (which may hold objects to prune).
func (c *Client) readMembers(ctx context.Context, s Set, items []*item, prev parent) (*members, error) {
	maps := map[schema.GroupKind]*meta.RESTMapping{}
	nss := map[string]bool{s.Namespace: true}
	for _, it := range items {
		if it.m != nil { // nil: a kind this apply's CRDs define; no members exist yet
			maps[it.m.GroupVersionKind.GroupKind()] = it.m
		}
		if ns := it.u.GetNamespace(); ns != "" {
			nss[ns] = true
		}
	}
	for _, ns := range prev.namespaces {
		nss[ns] = true
	}
	for _, gk := range prev.groupKinds {
		if maps[gk] != nil {
			continue
		}
		m, err := c.Mapper.RESTMapping(gk)
		if meta.IsNoMatchError(err) {
			continue // the kind is gone from the cluster, and so are its objects
		}
		if err != nil {
			return nil, fmt.Errorf("resolving %s recorded by %s: %w", gk, s, err)
		}
		maps[gk] = m
	}
	return c.listScopes(ctx, s, scopes(maps, nss))
}

func scopes(maps map[schema.GroupKind]*meta.RESTMapping, nss map[string]bool) []scope {
	var out []scope
	for _, m := range maps {
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			out = append(out, scope{m: m})
			continue
		}
		for ns := range nss {
			out = append(out, scope{m: m, ns: ns})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.m.Resource.String() != b.m.Resource.String() {
			return a.m.Resource.String() < b.m.Resource.String()
		}
		return a.ns < b.ns
	})
	return out
}

// listScopes lists the members in every scope, in parallel.
func (c *Client) listScopes(ctx context.Context, s Set, scs []scope) (*members, error) {
	st := &members{byKey: map[string]*unstructured.Unstructured{}, mappings: map[string]*meta.RESTMapping{}}
	var mu sync.Mutex
	errs := make([]error, len(scs))
	forEach(len(scs), 16, func(i int) {
		sc := scs[i]
		var items []unstructured.Unstructured
		err := c.retry(ctx, func() error {
			var err error
			items, err = c.list(ctx, sc.m, sc.ns, s.selector())
			return err
		})
		if err != nil {
			errs[i] = fmt.Errorf("listing %s of %s in %q: %w", sc.m.Resource.Resource, s, sc.ns, err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for j := range items {
			u := &items[j]
			if u.GetKind() == "" {
				u.SetGroupVersionKind(sc.m.GroupVersionKind)
			}
			k := objKey(sc.m.GroupVersionKind.GroupKind(), u.GetNamespace(), u.GetName())
			st.byKey[k], st.mappings[k] = u, sc.m
			st.order = append(st.order, k)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Strings(st.order)
	return st, nil
}
