package convert

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// The AWS Load Balancer Controller's Gateway API configuration objects (gateway.k8s.aws/v1):
// a Gateway reads its load balancer settings from a LoadBalancerConfiguration (parametersRef),
// a Service's target group settings from the TargetGroupConfiguration that references it. The
// controller takes no certificates from the Gateway's listeners, only from ACM.
const (
	lbcGroup      = "gateway.k8s.aws"
	lbcAPIVersion = lbcGroup + "/v1"
)

// gateway gives the app's Gateway the settings the ALB Ingresses get through annotations: an
// internet-facing ALB (the controller's default is internal), the ACM certificate on 443, the
// allowed source ranges, and per routed Service ip targets and the health check path.
func (p aws) gateway(gw *gatewayv1.Gateway, routes []*gatewayRoute) {
	o := p.b.opts
	spec := map[string]any{"scheme": "internet-facing"}
	if o.TLSCertARN != "" {
		spec["listenerConfigurations"] = []any{map[string]any{"protocolPort": "HTTPS:443", "defaultCertificate": o.TLSCertARN}}
	}
	if len(o.SourceRanges) > 0 {
		ranges := make([]any, len(o.SourceRanges))
		for i, r := range o.SourceRanges {
			ranges[i] = r
		}
		spec["sourceRanges"] = ranges
	}
	lb := p.lbcObject("LoadBalancerConfiguration", gw.Name, "")
	lb.Object["spec"] = spec
	p.b.emit(lb)
	gw.Spec.Infrastructure = &gatewayv1.GatewayInfrastructure{ParametersRef: &gatewayv1.LocalParametersReference{
		Group: lbcGroup, Kind: "LoadBalancerConfiguration", Name: gw.Name}}
	for _, pl := range routedServices(routes) {
		props := map[string]any{"targetType": "ip"}
		port := int32(0)
		for _, gr := range routes {
			if gr.pl == pl && port == 0 {
				port = int32(*gr.route.Spec.Rules[0].BackendRefs[0].Port)
			}
		}
		if path, hcPort, from := p.b.healthCheck(pl, port); path != "" {
			hc := map[string]any{"healthCheckPath": path, "healthCheckProtocol": "HTTP"}
			if hcPort != "" {
				hc["healthCheckPort"] = hcPort
			}
			props["healthCheckConfig"] = hc
			p.b.ledger.Mapped(pl.Svc.Name, from, "TargetGroupConfiguration/"+pl.Name+" spec.defaultConfiguration.healthCheckConfig")
		}
		tg := p.lbcObject("TargetGroupConfiguration", pl.Name, pl.Name)
		tg.Object["spec"] = map[string]any{
			"targetReference":      map[string]any{"name": pl.Name},
			"defaultConfiguration": props,
		}
		p.b.emit(tg)
	}
}

func (p aws) lbcObject(kind, name, component string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(lbcAPIVersion)
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace(p.b.ns)
	u.SetLabels(Labels(p.b.app.Name, component))
	return u
}
