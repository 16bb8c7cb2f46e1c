// Package apply drives a cluster with berth's objects: server-side apply in dependency waves,
// ApplySet tracking and pruning, rollout waits, diffs, status, restarts and tear-down. It holds
// no CLI code: the commands in internal/cli fill its option structs and print its results.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager of every object berth applies.
const FieldManager = "berth"

// Client talks to one cluster: a dynamic client for any kind, a typed client for pods and
// events, and a RESTMapper built from (cached) discovery.
type Client struct {
	Dynamic dynamic.Interface
	Typed   kubernetes.Interface
	Mapper  meta.ResettableRESTMapper
	// Backoff paces retries of transient API errors (connection refused or reset, 429, 5xx,
	// timeouts), e.g. while the apiserver restarts.
	Backoff wait.Backoff
}

// DefaultBackoff retries for about 40 seconds: long enough to ride out an apiserver restart.
func DefaultBackoff() wait.Backoff {
	return wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 13, Cap: 4 * time.Second}
}

// NewClient builds a Client from a rest.Config. It raises the client-side rate limit: berth
// bounds its own parallelism, and the apiserver's priority and fairness answers 429 (which is
// retried) when it is busy.
func NewClient(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS = 500
	}
	if cfg.Burst == 0 {
		cfg.Burst = 1000
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "berth"
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &Client{Dynamic: dyn, Typed: typed, Mapper: mapper, Backoff: DefaultBackoff()}, nil
}

// Warm reads the cluster's discovery (the kinds it serves) in the background, so that it
// overlaps with work that needs no cluster, such as reading the objects to apply; the first
// mapping waits for it (the mapper is safe for concurrent use). A failure here is not
// reported: mapping asks again, with retries.
func (c *Client) Warm() {
	go func() { _, _ = c.Mapper.RESTMapping(schema.GroupKind{Kind: "Namespace"}, "v1") }()
}

// mapping resolves gvk to its resource, retrying transient discovery failures. An unknown
// kind resets the discovery cache once (a CRD applied in an earlier wave).
func (c *Client) mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	var m *meta.RESTMapping
	reset := false
	err := c.retry(ctx, func() error {
		var err error
		m, err = c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) && !reset {
			reset = true
			c.Mapper.Reset()
			m, err = c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		}
		return err
	})
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("the cluster does not serve %s (is its CustomResourceDefinition installed?): %w", gvkString(gvk), err)
	}
	return m, err
}

// resource returns the dynamic client of m in namespace ns ("" for cluster-scoped kinds).
func (c *Client) resource(m *meta.RESTMapping, ns string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(ns)
	}
	return c.Dynamic.Resource(m.Resource)
}

// retry runs fn until it succeeds, fails with a permanent error, the backoff is spent or ctx
// ends. Every call berth makes is idempotent (apply, get, list, delete), so a request that
// reached the server before the connection dropped is safe to send again.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	b := c.Backoff
	if b.Steps == 0 {
		b = DefaultBackoff()
	}
	for {
		err := fn()
		if err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		if b.Steps <= 1 {
			return fmt.Errorf("giving up after retries: %w", err)
		}
		t := time.NewTimer(b.Step())
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Transient reports whether err is worth retrying: throttling, server-side timeouts and
// unavailability, and broken or refused connections (an apiserver restart).
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	switch {
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsInternalError(err), apierrors.IsUnexpectedServerError(err):
		return true
	case utilnet.IsConnectionRefused(err), utilnet.IsConnectionReset(err), utilnet.IsProbableEOF(err),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		code := se.Status().Code
		return code == 502 || code == 503 || code == 504
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"GOAWAY", "use of closed network connection", "connection refused",
		"connection reset", "broken pipe", "TLS handshake timeout", "unexpected EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func gvkString(gvk schema.GroupVersionKind) string {
	if gvk.Group == "" {
		return gvk.Version + "/" + gvk.Kind
	}
	return gvk.Group + "/" + gvk.Version + "/" + gvk.Kind
}
