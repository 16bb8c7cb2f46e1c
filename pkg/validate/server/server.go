// Package server validates Kubernetes objects against a live apiserver with a server-side
// dry-run apply. It is kept apart from package validate (offline, no client-go) so that
// `berth convert` does not link client-go.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/berth-dev/berth/pkg/validate"
)

// Options configures Check.
type Options struct {
	// FieldManager of the dry-run apply (default "berth").
	FieldManager string
	// DefaultNamespace is used for namespaced objects without metadata.namespace
	// (default "default").
	DefaultNamespace string
	// CreateNamespaces creates, for real, every namespace the objects live in (and every
	// Namespace object's name) that does not exist yet: a dry-run of an object in a missing
	// namespace fails, and dry-running the Namespace does not create it. Meant for test
	// clusters; off by default.
	CreateNamespaces bool
}

// Check validates objects against a real apiserver: each is server-side applied with
// dryRun=All and fieldValidation=Strict, so the server runs its full validation, defaulting
// and admission without persisting anything. Unknown or duplicate fields are rejections
// (Strict); any other server warning is recorded in Result.Warnings. Objects are checked one
// by one in the given order; results are in the same order. The error is non-nil only when
// the checks could not run (no connection, discovery failed, a namespace could not be made).
func Check(ctx context.Context, cfg *rest.Config, objs []*unstructured.Unstructured, opts Options) ([]validate.Result, error) {
	if opts.FieldManager == "" {
		opts.FieldManager = "berth"
	}
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	warnings := &warningCollector{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = warnings
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("server validation: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("server validation: %w", err)
	}
	s := &serverCheck{opts: opts, mapper: mapper, dyn: dyn, warnings: warnings}
	if opts.CreateNamespaces {
		if err := s.createNamespaces(ctx, objs); err != nil {
			return nil, err
		}
	}
	results := make([]validate.Result, len(objs))
	for i, o := range objs {
		results[i] = s.check(ctx, o)
	}
	return results, nil
}

type serverCheck struct {
	opts     Options
	mapper   meta.RESTMapper
	dyn      dynamic.Interface
	warnings *warningCollector
}

func (s *serverCheck) check(ctx context.Context, o *unstructured.Unstructured) validate.Result {
	r := validate.Result{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()}
	if r.Name == "" {
		r.Message = "metadata.name is required for server-side apply"
		return r
	}
	gvk := schema.FromAPIVersionAndKind(r.APIVersion, r.Kind)
	m, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		r.Message = err.Error()
		return r
	}
	var res dynamic.ResourceInterface = s.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if r.Namespace == "" {
			r.Namespace = s.opts.DefaultNamespace
		}
		res = s.dyn.Resource(m.Resource).Namespace(r.Namespace)
	}
	body, err := json.Marshal(o.Object)
	if err != nil {
		r.Message = err.Error()
		return r
	}
	s.warnings.reset()
	force := true
	_, err = res.Patch(ctx, r.Name, types.ApplyPatchType, body, metav1.PatchOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldManager:    s.opts.FieldManager,
		FieldValidation: metav1.FieldValidationStrict,
		Force:           &force,
	})
	r.Warnings = s.warnings.take()
	if err != nil {
		r.Message = err.Error()
		return r
	}
	r.Accepted = true
	return r
}

// createNamespaces creates the missing namespaces the objects need.
func (s *serverCheck) createNamespaces(ctx context.Context, objs []*unstructured.Unstructured) error {
	want := map[string]bool{}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if gvk.Group == "" && gvk.Kind == "Namespace" {
			if o.GetName() != "" {
				want[o.GetName()] = true
			}
			continue
		}
		m, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil || m.Scope.Name() != meta.RESTScopeNameNamespace {
			continue // unknown kinds are reported by check
		}
		ns := o.GetNamespace()
		if ns == "" {
			ns = s.opts.DefaultNamespace
		}
		want[ns] = true
	}
	names := slices.Sorted(maps.Keys(want))
	nsRes := s.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"})
	for _, n := range names {
		ns := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": n},
		}}
		if _, err := nsRes.Create(ctx, ns, metav1.CreateOptions{FieldManager: s.opts.FieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", n, err)
		}
	}
	return nil
}

// warningCollector records the Warning headers of the responses to one request at a time.
type warningCollector struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningCollector) HandleWarningHeader(code int, _ string, text string) {
	if code != 299 || strings.TrimSpace(text) == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningCollector) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = nil
}

func (w *warningCollector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.msgs
	w.msgs = nil
	return m
}
