package realnode

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
)

// proxyRetry is how long ServiceGet retries the apiserver proxy's 503.
const proxyRetry = 30 * time.Second

// ServiceGet GETs path from port of Service namespace/name through the API server's service
// proxy. The proxy answers 503 while its view of the Service's endpoints lags the pods (the
// EndpointSlice controller and the apiserver's watch cache update after a Deployment counts
// a pod available): a 503 is retried for 30 s, any other error or answer is returned at once.
func ServiceGet(ctx context.Context, cs kubernetes.Interface, namespace, name, port, path string, params map[string]string) ([]byte, error) {
	deadline := time.Now().Add(proxyRetry)
	for {
		body, err := cs.CoreV1().Services(namespace).ProxyGet("http", name, port, path, params).DoRaw(ctx)
		if err == nil || !apierrors.IsServiceUnavailable(err) || time.Now().After(deadline) {
			return body, err
		}
		select {
		case <-ctx.Done():
			return body, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}
