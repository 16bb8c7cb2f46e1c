package convert

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

// issuerAnnotation asks cert-manager for a certificate from a ClusterIssuer.
const issuerAnnotation = "cert-manager.io/cluster-issuer"

// exposure makes services with published ports public, in service order. Each public HTTP
// service gets its own Ingress rather than one Ingress per app: controllers scope most
// settings (backend protocol, health-check path, timeouts) to an Ingress, so per-service
// objects can carry per-service settings, and one broken rule cannot block the others.
// Port-based routing becomes host-based routing: <service>.<domain>.
func (b *builder) exposure() error {
	warnedDomain, public := false, false
	for _, s := range b.app.Services {
		pl := b.plans[s.Name]
		for _, lp := range pl.Ports {
			for _, f := range lp.Loopback {
				b.ledger.Ignored(s.Name, f, "published on a loopback address only: reachable in the cluster through the Service (use kubectl port-forward from a workstation)")
			}
		}
		if !pl.public() {
			continue
		}
		mode, err := b.exposeMode(pl)
		if err != nil {
			return err
		}
		if pl.Svc.Options.Expose != "" {
			b.ledger.Mapped(s.Name, pl.Svc.Field+".x-berth.expose", "exposure of "+pl.Name+": "+mode)
		}
		var web, other []*listenPort
		for _, lp := range pl.Ports {
			switch {
			case len(lp.Published) == 0:
			case lp.HTTP && lp.tls() && (mode == ExposeAuto || mode == ExposeIngress):
				// An Ingress speaks plain HTTP to its backends: to a TLS listener that is a 400.
				b.ledger.Infof(s.Name, lp.Fields[0], "port %d speaks TLS itself (the container terminates it, as under Compose): "+
					"it is passed through as TCP, not routed by an Ingress, which would speak plain HTTP to it", lp.Port)
				other = append(other, lp)
			case lp.HTTP && (mode == ExposeAuto || mode == ExposeIngress):
				web = append(web, lp)
			default:
				other = append(other, lp)
			}
		}
		if len(web) > 0 {
			if b.opts.Domain == "" && pl.Svc.Options.Host == "" && !warnedDomain {
				warnedDomain = true
				b.ledger.Warnf("", "", "no --domain: ingress hosts are <service>.%s.localhost; pass --domain to serve real host names", b.ns)
			}
			if b.opts.Routing == RoutingGateway {
				b.httpRoutes(pl, web)
			} else {
				b.ingress(pl, web)
			}
			pl.viaIngress = web
		}
		if mode != ExposeNone && mode != ExposeIngress {
			pl.viaLB = other
		}
		b.publicService(pl, mode, other)
		public = true
	}
	if !public && b.opts.Domain != "" {
		// --domain asks for public hosts; saying nothing would let the user believe there are some.
		b.ledger.Warnf("", "", "--domain %s is set but no service publishes a port, so nothing is exposed: publish the ports "+
			"to serve (Compose ports:; an ECS task's public ports come from its service's loadBalancers: pass --ecs-service FILE)", b.opts.Domain)
	}
	if b.opts.Routing == RoutingGateway {
		return b.gateway()
	}
	return nil
}

// exposeMode is the service's x-berth.expose, else --expose.
func (b *builder) exposeMode(pl *plan) (string, error) {
	mode := pl.Svc.Options.Expose
	if mode == "" {
		return b.opts.Expose, nil
	}
	switch mode {
	case ExposeIngress, ExposeLoadBalancer, ExposeNodePort, ExposeNone:
		return mode, nil
	}
	return "", b.ledger.Errorf(pl.Svc.Name, pl.Svc.Field+".x-berth.expose",
		"unknown expose mode %q (want ingress, loadbalancer, nodeport or none)", mode)
}

// ingress emits the Ingress of one service: one host per published HTTP port.
func (b *builder) ingress(pl *plan, ports []*listenPort) {
	svc := pl.Svc
	ing := &networkingv1.Ingress{TypeMeta: typeMeta("networking.k8s.io/v1", "Ingress"),
		ObjectMeta: objectMeta(pl.Name, b.ns, b.app.Name, pl.Name)}
	if b.opts.IngressClass != "" {
		ing.Spec.IngressClassName = ptr.To(b.opts.IngressClass)
	}
	path := svc.Options.Path
	if path == "" {
		path = "/"
	}
	var hosts []string
	for i, lp := range ports {
		host := b.host(pl, lp, i)
		hosts = append(hosts, host)
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: pl.Name, Port: networkingv1.ServiceBackendPort{Number: lp.svcPort()}}}}}}}})
		for _, f := range lp.Fields {
			b.ledger.Mapped(svc.Name, f, fmt.Sprintf("Ingress/%s spec.rules[%d]", pl.Name, i))
		}
	}
	if svc.Options.Host != "" {
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.host", "Ingress/"+pl.Name+" spec.rules[0].host")
	}
	if svc.Options.Path != "" {
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.path", "Ingress/"+pl.Name+" spec.rules[*].http.paths[0].path")
	}
	b.tls(pl, ing, hosts)
	b.provider().ingress(pl, ing)
	b.emit(ing)
}

// host is the public host of the i-th public HTTP port: x-berth.host or <service>.<domain>
// for the first, <service>-<port name>.<domain> for others.
func (b *builder) host(pl *plan, lp *listenPort, i int) string {
	if i == 0 && pl.Svc.Options.Host != "" {
		return strings.ToLower(pl.Svc.Options.Host)
	}
	label := pl.Name
	if i > 0 {
		label = dnsLabel(pl.Name+"-"+lp.Name, maxLabel, "svc")
	}
	domain := b.opts.Domain
	if domain == "" {
		domain = b.ns + ".localhost"
	}
	return label + "." + strings.TrimPrefix(strings.ToLower(domain), ".")
}

// tls adds the TLS section: the given secret (e.g. a wildcard certificate), or a per-Ingress
// secret that cert-manager fills when a cluster issuer is set. Per Ingress, because two
// Ingresses asking cert-manager for one secret with different hosts would fight over it.
func (b *builder) tls(pl *plan, ing *networkingv1.Ingress, hosts []string) {
	secret := b.opts.TLSSecret
	if b.opts.ClusterIssuer != "" {
		ing.Annotations = map[string]string{issuerAnnotation: b.opts.ClusterIssuer}
		if secret == "" {
			secret = b.extraName(pl.Name, "-tls")
		}
	}
	if secret != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: hosts, SecretName: secret}}
	}
}

// publicService emits a LoadBalancer or NodePort Service for published ports that are not
// served by an Ingress. Its ports are the published ports, forwarding to the container ports.
func (b *builder) publicService(pl *plan, mode string, ports []*listenPort) {
	if len(ports) == 0 {
		return
	}
	svc := pl.Svc
	if mode == ExposeNone || mode == ExposeIngress {
		reason := "--expose none: reachable in the cluster only"
		if mode == ExposeIngress {
			reason = "not an HTTP port, so an Ingress cannot route it: use --expose loadbalancer or x-berth.expose"
		}
		for _, lp := range ports {
			for _, f := range lp.Fields {
				if mode == ExposeNone {
					b.ledger.Ignored(svc.Name, f, reason)
				} else {
					b.ledger.Partial(svc.Name, f, reason, "Service/"+pl.Name)
				}
			}
		}
		return
	}
	typ := corev1.ServiceTypeLoadBalancer
	if mode == ExposeNodePort {
		typ = corev1.ServiceTypeNodePort
	}
	name := b.extraName(pl.Name, "-public")
	s := b.serviceObject(pl, name)
	s.Spec.Type = typ
	used := map[string]bool{}
	for _, lp := range ports {
		for _, pub := range dedupeInt(lp.Published) {
			sp := servicePort(lp, pub)
			if used[sp.Name] {
				sp.Name = portName(fmt.Sprintf("%s-%d", lp.Name, pub))
			}
			used[sp.Name] = true
			if typ == corev1.ServiceTypeNodePort && pub >= 30000 && pub <= 32767 {
				sp.NodePort = pub
			}
			s.Spec.Ports = append(s.Spec.Ports, sp)
		}
		for _, f := range lp.Fields {
			b.ledger.Mapped(svc.Name, f, fmt.Sprintf("Service/%s spec.ports", name))
		}
	}
	b.provider().loadBalancer(pl, s)
	b.emit(s)
}

// dedupeInt returns the distinct values of s in first-seen order.
func dedupeInt(s []int32) []int32 {
	var out []int32
	seen := map[int32]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
