package transfer

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	//lint:ignore SA1019 client-go v0.37's NewSPDYExecutorForTransports takes its transport/spdy.Upgrader, whose connection type only this compatibility wrapper returns (client-go's own RoundTripperFor uses it)
	spdystream "k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
)

// Client runs berth data's work on a cluster.
type Client struct {
	cs  kubernetes.Interface
	cfg *rest.Config
}

// New connects to the cluster of cfg. Streams have no client timeout: a copy takes as long as
// it takes; contexts bound it.
func New(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 0
	if cfg.UserAgent == "" {
		cfg.UserAgent = "berth"
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &Client{cs: cs, cfg: cfg}, nil
}

// Exec runs cmd in a container of a pod with the given streams (stdin may be nil), as
// kubectl exec does: WebSocket, else SPDY.
func (c *Client) Exec(ctx context.Context, ns, pod, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return c.exec(ctx, ns, pod, container, cmd, stdin, stdout, stderr, false)
}

// execSPDYFirst is Exec over SPDY, else WebSocket. It carries a stdin stream 10-20 % faster
// (the API server passes SPDY through to the kubelet, where it translates WebSocket). Its
// connection is closed when ctx ends (see spdyExecutor). Through a proxy it is Exec.
func (c *Client) execSPDYFirst(ctx context.Context, ns, pod, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return c.exec(ctx, ns, pod, container, cmd, stdin, stdout, stderr, true)
}

func (c *Client) exec(ctx context.Context, ns, pod, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer, spdyFirst bool) error {
	req := c.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: cmd, Stdin: stdin != nil, Stdout: stdout != nil, Stderr: stderr != nil}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(c.cfg, "GET", req.URL().String())
	if err != nil {
		return fmt.Errorf("exec in pod %s/%s: %w", ns, pod, err)
	}
	var first, second remotecommand.Executor
	if spdyFirst && !c.proxied(req.URL()) {
		first, err = spdyExecutor(c.cfg, req.URL())
		second = ws
	} else {
		first = ws
		second, err = remotecommand.NewSPDYExecutor(c.cfg, "POST", req.URL())
	}
	if err != nil {
		return fmt.Errorf("exec in pod %s/%s: %w", ns, pod, err)
	}
	ex, err := remotecommand.NewFallbackExecutor(first, second, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return fmt.Errorf("exec in pod %s/%s: %w", ns, pod, err)
	}
	return ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// proxied says whether requests to u go through a proxy.
func (c *Client) proxied(u *url.URL) bool {
	proxy := c.cfg.Proxy
	if proxy == nil {
		proxy = http.ProxyFromEnvironment
	}
	p, err := proxy(&http.Request{URL: u})
	return err != nil || p != nil
}

// spdyExecutor is client-go's SPDY executor with a connection that is closed when the
// stream's context ends. client-go's own waits there for the stdin copy, and a stdin write
// blocked on a peer that stopped reading (the command ended early) holds the connection's
// frame lock, which its Close needs: the exec would never end.
func spdyExecutor(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error) {
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, err
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	upgrader, err := spdystream.NewRoundTripperWithConfig(spdystream.RoundTripperConfig{
		PingPeriod:       5 * time.Second,
		UpgradeTransport: &http.Transport{DialContext: dial, TLSClientConfig: tlsConfig},
	})
	if err != nil {
		return nil, err
	}
	rt, err := rest.HTTPWrappersForConfig(cfg, upgrader)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewSPDYExecutorForTransports(rt, upgrader, "POST", u)
}

// output runs a command and returns its stdout; its stderr goes into the error.
func (c *Client) output(ctx context.Context, ns, pod, container string, cmd ...string) ([]byte, error) {
	var out, errb strings.Builder
	if err := c.Exec(ctx, ns, pod, container, cmd, nil, &out, &errb); err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
	}
	return []byte(out.String()), nil
}
