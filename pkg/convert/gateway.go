package convert

import (
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/berth-dev/berth/pkg/model"
)

// gateway.go routes public HTTP services through the Gateway API (--routing gateway): one
// Gateway per app with an HTTP listener and, with TLS, one HTTPS listener per host, and one
// HTTPRoute per public HTTP port (the hosts and paths the Ingresses would have). With TLS the
// routes attach to the HTTPS listeners only and one more route redirects plain HTTP to HTTPS.

// Routing modes (Options.Routing).
const (
	RoutingIngress = model.RoutingIngress
	RoutingGateway = model.RoutingGateway
)

// AWSGatewayClass is the GatewayClass of --provider aws: the AWS Load Balancer Controller ships
// none, and this is the name its documentation gives the class of its ALB controller
// (controllerName gateway.k8s.aws/alb).
const AWSGatewayClass = "aws-alb-gateway-class"

// gatewayGroup is the API group of the Gateway API.
const gatewayGroup = "gateway.networking.k8s.io"

// maxListeners is the Gateway API's limit on a Gateway's listeners.
const maxListeners = 64

// gatewayState collects the routes while services are exposed; gateway() emits them with
// the Gateway once all hosts are known.
type gatewayState struct {
	routes []*gatewayRoute
}

// gatewayRoute is one HTTPRoute and where it came from.
type gatewayRoute struct {
	route *gatewayv1.HTTPRoute
	pl    *plan
	host  string
	// secret is the TLS Secret of the route's HTTPS listener (generic provider).
	secret string
}

// httpRoutes builds the HTTPRoutes of one service: one per published HTTP port, the first named
// after the service, others <service>-<port name>.
func (b *builder) httpRoutes(pl *plan, ports []*listenPort) {
	svc := pl.Svc
	path := svc.Options.Path
	if path == "" {
		path = "/"
	}
	secret := b.opts.TLSSecret
	if secret == "" && b.opts.ClusterIssuer != "" {
		secret = b.extraName(pl.Name, "-tls")
	}
	for i, lp := range ports {
		name := pl.Name
		if i > 0 {
			name = b.extraName(pl.Name, "-"+lp.Name)
		}
		host := b.host(pl, lp, i)
		r := &gatewayv1.HTTPRoute{TypeMeta: typeMeta(gatewayGroup+"/v1", "HTTPRoute"),
			ObjectMeta: objectMeta(name, b.ns, b.app.Name, pl.Name),
			Spec: gatewayv1.HTTPRouteSpec{
				Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(host)},
				Rules: []gatewayv1.HTTPRouteRule{{
					Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
						Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(path)}}},
					BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
						BackendObjectReference: gatewayv1.BackendObjectReference{
							Name: gatewayv1.ObjectName(pl.Name), Port: ptr.To(gatewayv1.PortNumber(lp.svcPort()))}}}},
				}},
			}}
		b.gw.routes = append(b.gw.routes, &gatewayRoute{route: r, pl: pl, host: host, secret: secret})
		for _, f := range lp.Fields {
			b.ledger.Mapped(svc.Name, f, "HTTPRoute/"+name+" spec.hostnames[0]")
		}
		if i == 0 && svc.Options.Host != "" {
			b.ledger.Mapped(svc.Name, svc.Field+".x-berth.host", "HTTPRoute/"+name+" spec.hostnames[0]")
		}
	}
	if svc.Options.Path != "" {
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.path", "HTTPRoute/"+pl.Name+" spec.rules[0].matches[0].path")
	}
}

// gatewayTLS reports whether the Gateway terminates TLS: with an ACM certificate on AWS, with
// a TLS Secret or a cert-manager issuer elsewhere.
func (b *builder) gatewayTLS() bool {
	if b.opts.Provider == ProviderAWS {
		return b.opts.TLSCertARN != ""
	}
	return b.opts.TLSSecret != "" || b.opts.ClusterIssuer != ""
}

// gateway emits the Gateway and the collected HTTPRoutes (nothing when no service is public
// over HTTP).
func (b *builder) gateway() error {
	if len(b.gw.routes) == 0 {
		return nil
	}
	class := b.opts.GatewayClass
	if class == "" {
		if b.opts.Provider != ProviderAWS {
			return b.ledger.Errorf("", "", "--routing gateway needs --gateway-class (or x-berth.gatewayClass): the GatewayClass "+
				"of the cluster's Gateway API implementation, e.g. eg (Envoy Gateway), nginx (NGINX Gateway Fabric), istio, cilium")
		}
		class = AWSGatewayClass
	}
	name := b.gatewayName()
	gw := &gatewayv1.Gateway{TypeMeta: typeMeta(gatewayGroup+"/v1", "Gateway"),
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, ""),
		Spec: gatewayv1.GatewaySpec{GatewayClassName: gatewayv1.ObjectName(class),
			Listeners: []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}}},
	}
	if b.opts.ClusterIssuer != "" {
		gw.Annotations = map[string]string{issuerAnnotation: b.opts.ClusterIssuer}
	}
	tls := b.gatewayTLS()
	if tls {
		if err := b.httpsListeners(gw); err != nil {
			return err
		}
		b.emit(b.redirectRoute(name))
	}
	for _, gr := range b.gw.routes {
		ref := gatewayv1.ParentReference{Name: gatewayv1.ObjectName(name)}
		if tls {
			ref.SectionName = ptr.To(listenerName(gw, gr.host))
		}
		gr.route.Spec.ParentRefs = []gatewayv1.ParentReference{ref}
		b.emit(gr.route)
	}
	b.provider().gateway(gw, b.gw.routes)
	b.emit(gw)
	need := "a controller for GatewayClass " + class
	if b.opts.Provider == ProviderAWS {
		need = "the AWS Load Balancer Controller with its Gateway API support on, and GatewayClass " + class +
			" (controllerName gateway.k8s.aws/alb)"
	}
	if b.opts.ClusterIssuer != "" {
		need += "; cert-manager issues the certificates only with its Gateway API support on (enableGatewayAPI)"
	}
	routes := len(b.gw.routes)
	if tls {
		routes++ // the redirect
	}
	b.ledger.Infof("", "", "--routing gateway: Gateway %s and %d HTTPRoutes need the Gateway API CRDs (standard channel, v1.2 or later) and %s",
		name, routes, need)
	return nil
}

// httpsListeners adds one HTTPS listener per distinct host, in route order. A listener per
// host rather than one wildcard: x-berth.host can name any host, cert-manager issues
// certificates for listener host names, and the AWS controller discovers ACM certificates by
// them.
func (b *builder) httpsListeners(gw *gatewayv1.Gateway) error {
	seen := map[string]bool{}
	for _, gr := range b.gw.routes {
		if seen[gr.host] {
			continue
		}
		seen[gr.host] = true
		if len(gw.Spec.Listeners) == maxListeners {
			return b.ledger.Errorf(gr.pl.Svc.Name, gr.pl.Svc.Field, "--routing gateway: more than %d public hosts do not fit "+
				"the %d listeners of one Gateway; use --routing ingress", maxListeners-1, maxListeners)
		}
		l := gatewayv1.Listener{Name: gatewayv1.SectionName("https-" + gr.route.Name), Port: 443,
			Protocol: gatewayv1.HTTPSProtocolType, Hostname: ptr.To(gatewayv1.Hostname(gr.host))}
		if b.opts.Provider != ProviderAWS {
			// The AWS controller takes certificates from ACM, never from Secrets.
			l.TLS = &gatewayv1.ListenerTLSConfig{Mode: ptr.To(gatewayv1.TLSModeTerminate),
				CertificateRefs: []gatewayv1.SecretObjectReference{{Group: ptr.To(gatewayv1.Group("")),
					Kind: ptr.To(gatewayv1.Kind("Secret")), Name: gatewayv1.ObjectName(gr.secret)}}}
		}
		gw.Spec.Listeners = append(gw.Spec.Listeners, l)
	}
	return nil
}

// listenerName is the name of gw's HTTPS listener for host.
func listenerName(gw *gatewayv1.Gateway, host string) gatewayv1.SectionName {
	for _, l := range gw.Spec.Listeners {
		if l.Hostname != nil && string(*l.Hostname) == host {
			return l.Name
		}
	}
	return "http"
}

// redirectRoute answers every plain HTTP request with a redirect to HTTPS.
func (b *builder) redirectRoute(gateway string) *gatewayv1.HTTPRoute {
	name := b.extraName(gateway, "-https-redirect")
	return &gatewayv1.HTTPRoute{TypeMeta: typeMeta(gatewayGroup+"/v1", "HTTPRoute"),
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, ""),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
				Name: gatewayv1.ObjectName(gateway), SectionName: ptr.To(gatewayv1.SectionName("http"))}}},
			Rules: []gatewayv1.HTTPRouteRule{{Filters: []gatewayv1.HTTPRouteFilter{{
				Type:            gatewayv1.HTTPRouteFilterRequestRedirect,
				RequestRedirect: &gatewayv1.HTTPRequestRedirectFilter{Scheme: ptr.To("https"), StatusCode: ptr.To(301)},
			}}}},
		}}
}

// routedServices returns the plans of the services with routes, in route order, once each.
func routedServices(routes []*gatewayRoute) []*plan {
	var out []*plan
	seen := map[*plan]bool{}
	for _, gr := range routes {
		if !seen[gr.pl] {
			seen[gr.pl] = true
			out = append(out, gr.pl)
		}
	}
	return out
}

// gatewayName is the name of the app's Gateway.
func (b *builder) gatewayName() string { return dnsLabel(b.app.Name, maxName, "app") }
