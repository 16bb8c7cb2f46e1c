package convert

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

// Providers (Options.Provider).
const (
	ProviderGeneric = "generic"
	ProviderAWS     = "aws"
)

// Annotations of the AWS Load Balancer Controller (Ingress) and of AWS LoadBalancer Services
// (in-tree names, which the controller honours too).
const (
	albPrefix = "alb.ingress.kubernetes.io/"
	nlbPrefix = "service.beta.kubernetes.io/aws-load-balancer-"
)

// aws exposes services through AWS load balancers: Ingresses for the ALB controller, all of
// one app sharing one ALB (group name), and LoadBalancer Services terminating TLS on 443.
type aws struct {
	b *builder
}

func (p aws) ingress(pl *plan, ing *networkingv1.Ingress) {
	o := p.b.opts
	if o.IngressClass == "" {
		ing.Spec.IngressClassName = ptr.To("alb")
	}
	a := map[string]string{
		albPrefix + "scheme":      "internet-facing",
		albPrefix + "target-type": "ip",
		albPrefix + "group.name":  p.b.ns,
	}
	if o.TLSCertARN != "" {
		a[albPrefix+"certificate-arn"] = o.TLSCertARN
		a[albPrefix+"listen-ports"] = `[{"HTTP": 80}, {"HTTPS": 443}]`
		a[albPrefix+"ssl-redirect"] = "443"
	}
	if h := pl.Svc.Options.HealthPath; h != "" {
		a[albPrefix+"healthcheck-path"] = h
	}
	if len(o.SourceRanges) > 0 {
		a[albPrefix+"inbound-cidrs"] = strings.Join(o.SourceRanges, ",")
	}
	ing.Annotations = merge(ing.Annotations, a)
}

func (p aws) loadBalancer(pl *plan, s *corev1.Service) {
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return
	}
	o := p.b.opts
	s.Spec.LoadBalancerSourceRanges = append([]string(nil), o.SourceRanges...)
	if h := pl.Svc.Options.HealthPath; h != "" {
		s.Annotations = merge(s.Annotations, map[string]string{
			nlbPrefix + "healthcheck-protocol": "http", nlbPrefix + "healthcheck-path": h})
	}
	if o.TLSCertARN == "" {
		return
	}
	// TLS terminates on the load balancer: 443 forwards plain HTTP to the first HTTP port.
	for _, sp := range s.Spec.Ports {
		if strings.HasPrefix(sp.Name, "http") && sp.Protocol == corev1.ProtocolTCP && sp.Port != 443 {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP,
				TargetPort: sp.TargetPort})
			break
		}
	}
	s.Annotations = merge(s.Annotations, map[string]string{
		nlbPrefix + "ssl-cert":         o.TLSCertARN,
		nlbPrefix + "backend-protocol": "http",
		nlbPrefix + "ssl-ports":        "443",
	})
}

// merge returns dst with src's entries added.
func merge(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// accountHealthPath accounts x-berth.healthPath: the load balancer's health check with
// --provider aws on a public service, otherwise nothing reads it.
func (b *builder) accountHealthPath(service, field string) {
	pl := b.plans[service]
	if b.opts.Provider == ProviderAWS && pl != nil && pl.public() {
		b.ledger.Mapped(service, field, "the AWS load balancer's health check path (healthcheck-path annotation)")
		return
	}
	b.ledger.Ignored(service, field, "healthPath is for cloud load balancers' health checks (--provider aws)")
}
