package convert

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// provider adds platform-specific settings to the objects that make services public. The
// generic provider adds nothing beyond the portable options (ingress class, TLS secret,
// cert-manager issuer); a cloud provider (e.g. AWS load balancer annotations) implements the
// same hooks.
type provider interface {
	// ingress adjusts the Ingress of one public HTTP service.
	ingress(pl *plan, ing *networkingv1.Ingress)
	// loadBalancer adjusts the LoadBalancer or NodePort Service of one public service.
	loadBalancer(pl *plan, s *corev1.Service)
	// gateway adjusts the app's Gateway (--routing gateway) and may emit the provider's
	// configuration objects for it and the routed services.
	gateway(gw *gatewayv1.Gateway, routes []*gatewayRoute)
}

// generic is the portable provider.
type generic struct{}

func (generic) ingress(*plan, *networkingv1.Ingress)        {}
func (generic) loadBalancer(*plan, *corev1.Service)         {}
func (generic) gateway(*gatewayv1.Gateway, []*gatewayRoute) {}

// provider returns the provider for the options.
func (b *builder) provider() provider {
	if b.opts.Provider == ProviderAWS {
		return aws{b: b}
	}
	return generic{}
}
