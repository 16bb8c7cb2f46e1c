package convert

import (
	"fmt"
	"github.com/berth-dev/berth/pkg/model"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Labels that select cluster components in policies.
const (
	// namespaceNameLabel is set by Kubernetes on every namespace (1.21+).
	namespaceNameLabel = "kubernetes.io/metadata.name"
	// dnsPodLabel selects the cluster DNS pods (CoreDNS keeps kube-dns's label on kubeadm,
	// EKS, GKE, AKS, kind, k3s).
	dnsPodLabel, dnsPodValue = "k8s-app", "kube-dns"
	dnsNamespace             = "kube-system"
)

// waitRef is one dependency wait a pod runs: a TCP connection to Dep's Service port, or
// (API) `kubectl wait` on the dependency's Job through the Kubernetes API.
type waitRef struct {
	Dep   *plan
	Port  int32
	API   bool
	Field string
}

// networkPolicies emits the policies, after the workloads and the exposure are built:
//   - <app>-default-deny: no ingress to the app's pods (selected by part-of, so other apps in
//     the namespace are untouched) except what another policy allows;
//   - <app>-network-<name>: per network, its members accept connections from its members (any
//     port, as in Compose); an external network admits labelled pods of every namespace;
//   - <service>-ingress: a service's public ports (ingress controller, load balancers), the
//     host network mode, and dependency waits the networks would block;
//   - <service>-egress: for services only on internal networks (or network_mode none),
//     connections out only to their networks' members and the cluster DNS.
func (b *builder) networkPolicies() {
	if b.net == nil {
		return
	}
	before := len(b.objs)
	deny := b.extraName(b.app.Name, "-default-deny")
	b.emitPolicy(deny, "", map[string]string{LabelPartOf: b.app.Name}, nil, nil, true, false)
	for _, svc := range b.app.Services {
		if svc.NetworkMode == "bridge" || svc.NetworkMode == "default" {
			b.ledger.Mapped(svc.Name, svc.Paths.Of(model.KeyNetworkMode), "NetworkPolicy/"+deny+" (the pods carry no network label)")
		}
	}
	for _, n := range b.net.nets {
		if len(n.Members) == 0 {
			continue
		}
		sel := map[string]string{LabelPartOf: b.app.Name, n.Label: "true"}
		b.emitPolicy(b.policyName(n), "", sel,
			[]networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{b.memberPeer(n)}}}, nil, true, false)
	}
	for _, svc := range b.app.Services {
		pl := b.plans[svc.Name]
		if rules := b.serviceIngress(pl); len(rules) > 0 {
			b.emitPolicy(b.extraName(pl.Name, "-ingress"), pl.Name, Selector(b.app.Name, pl.Name), rules, nil, true, false)
		}
		if rules, restricted := b.serviceEgress(pl); restricted {
			b.emitPolicy(b.extraName(pl.Name, "-egress"), pl.Name, Selector(b.app.Name, pl.Name), nil, rules, false, true)
		}
	}
	b.ledger.Infof("", "", "--network-policies: %d NetworkPolicies isolate the app's pods by Compose network; they take effect only on a cluster whose network plugin enforces them (Calico, Cilium, Antrea, ...)",
		len(b.objs)-before)
}

// policyName is the name of a network's policy.
func (b *builder) policyName(n *netInfo) string {
	return b.extraName(dnsLabel(b.app.Name+"-network-"+n.Name, maxName, "net"), "")
}

// emitPolicy emits one NetworkPolicy selecting the pods labelled sel.
func (b *builder) emitPolicy(name, component string, sel map[string]string, in []networkingv1.NetworkPolicyIngressRule,
	out []networkingv1.NetworkPolicyEgressRule, ingress, egress bool) {
	np := &networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, component),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel},
			Ingress: in, Egress: out}}
	if ingress {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	if egress {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	b.emit(np)
}

// memberPeer selects the pods on network n: the app's, or for an external network every
// namespace's pods carrying its label (other apps attach to it by name, as in Compose).
func (b *builder) memberPeer(n *netInfo) networkingv1.NetworkPolicyPeer {
	if n.External {
		return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{},
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{n.Label: "true"}}}
	}
	return networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{
		MatchLabels: map[string]string{LabelPartOf: b.app.Name, n.Label: "true"}}}
}

// servicePeer selects the pods of one service of the app.
func (b *builder) servicePeer(pl *plan) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: Selector(b.app.Name, pl.Name)}}
}

// serviceIngress is what reaches one service's pods beyond its networks.
func (b *builder) serviceIngress(pl *plan) []networkingv1.NetworkPolicyIngressRule {
	svc := pl.Svc
	if b.net.of[svc.Name].Mode == netHost {
		return []networkingv1.NetworkPolicyIngressRule{{}}
	}
	var rules []networkingv1.NetworkPolicyIngressRule
	if len(pl.viaIngress) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{From: b.controllerPeers(pl), Ports: policyPorts(pl.viaIngress)})
	}
	if len(pl.viaLB) > 0 {
		// LoadBalancer and NodePort traffic arrives from node or load balancer addresses
		// (kube-proxy may SNAT it): the Service's loadBalancerSourceRanges filter clients.
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: policyPorts(pl.viaLB)})
	}
	for _, other := range b.app.Services {
		for _, w := range b.plans[other.Name].waits {
			if w.API || w.Dep != pl || b.net.share(other.Name, svc.Name) || b.openTo(pl, w.Port) {
				continue
			}
			src := b.plans[other.Name]
			rules = append(rules, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{b.servicePeer(src)},
				Ports: []networkingv1.NetworkPolicyPort{policyTCP(w.Port)}})
			b.ledger.Warnf(other.Name, w.Field, "%s and %s share no network, so Compose would not let %s connect to %s; the NetworkPolicies let %s's pods reach %s on port %d so the dependency wait can pass",
				other.Name, svc.Name, other.Name, svc.Name, other.Name, svc.Name, w.Port)
		}
	}
	return rules
}

// openTo reports whether pl's port is open to every source already (a load balancer port).
func (b *builder) openTo(pl *plan, port int32) bool {
	for _, lp := range pl.viaLB {
		if lp.Port == port && lp.Protocol == corev1.ProtocolTCP {
			return true
		}
	}
	return false
}

// gatewayNameLabel marks the pods a Gateway API implementation runs for a Gateway in the
// Gateway's namespace (GEP-1762; Istio, NGINX Gateway Fabric).
const gatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// controllerPeers are the sources of routed HTTP traffic: the ingress controller's namespace
// (--ingress-namespace); with --routing gateway also the Gateway's own proxy pods; for the AWS
// ALB (target type ip, Ingress or Gateway) any source: the ALB connects from its own
// addresses in the VPC, which no namespace or pod selector matches (its security group and
// inbound-cidrs filter clients).
func (b *builder) controllerPeers(pl *plan) []networkingv1.NetworkPolicyPeer {
	if b.albIngress() {
		b.ledger.Infof(pl.Svc.Name, pl.Svc.Field, "NetworkPolicy: the ALB (target type ip) connects from its VPC addresses, so %s's ports %s accept any source; the ALB's security group and --source-ranges filter clients",
			pl.Name, portList(pl.viaIngress))
		return nil
	}
	var peers []networkingv1.NetworkPolicyPeer
	if b.opts.Routing == RoutingGateway {
		peers = append(peers, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{gatewayNameLabel: b.gatewayName()}}})
	}
	if ns := b.opts.IngressNamespace; ns != "" {
		peers = append(peers, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{namespaceNameLabel: ns}}})
	}
	return peers
}

// albIngress reports whether routed traffic comes from an AWS ALB: Ingresses of class alb, or
// the AWS Load Balancer Controller's GatewayClass.
func (b *builder) albIngress() bool {
	if b.opts.Provider != ProviderAWS {
		return false
	}
	if b.opts.Routing == RoutingGateway {
		return b.opts.GatewayClass == "" || b.opts.GatewayClass == AWSGatewayClass
	}
	return b.opts.IngressClass == "" || b.opts.IngressClass == "alb"
}

// serviceEgress is the egress of a service whose networks are all internal (or that has no
// network): its networks' members, the cluster DNS, and what its dependency waits need.
// restricted is false when its egress stays open, as Compose leaves it.
func (b *builder) serviceEgress(pl *plan) (rules []networkingv1.NetworkPolicyEgressRule, restricted bool) {
	m := b.net.of[pl.Svc.Name]
	if m.Mode != netNone && !b.net.internalOnly(m) {
		return nil, false
	}
	var peers []networkingv1.NetworkPolicyPeer
	for _, n := range m.Nets {
		peers = append(peers, b.memberPeer(b.net.byName[n]))
	}
	if len(peers) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{To: peers})
	}
	dns := len(peers) > 0
	for _, w := range pl.waits {
		switch {
		case w.API:
			rules = append(rules, networkingv1.NetworkPolicyEgressRule{Ports: []networkingv1.NetworkPolicyPort{policyTCP(443), policyTCP(6443)}})
			b.ledger.Warnf(pl.Svc.Name, w.Field, "%s's networks are internal, but its wait for %s asks the Kubernetes API: the NetworkPolicy lets its pods connect to any address on TCP 443 and 6443 (berth cannot know the API server's address)",
				pl.Svc.Name, w.Dep.Svc.Name)
		case !b.net.share(pl.Svc.Name, w.Dep.Svc.Name):
			rules = append(rules, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{b.servicePeer(w.Dep)},
				Ports: []networkingv1.NetworkPolicyPort{policyTCP(w.Port)}})
			dns = true
		}
	}
	if dns {
		rules = append(rules, b.dnsEgress())
	}
	return rules, true
}

// dnsEgress allows DNS queries to the cluster DNS pods.
func (b *builder) dnsEgress() networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: dnsNamespace}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{dnsPodLabel: dnsPodValue}},
		}},
		Ports: []networkingv1.NetworkPolicyPort{
			{Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(intstr.FromInt32(53))},
			policyTCP(53),
		},
	}
}

// policyPorts are the container ports of lps (policies see traffic after the Service's
// translation to the pod's port).
func policyPorts(lps []*listenPort) []networkingv1.NetworkPolicyPort {
	out := make([]networkingv1.NetworkPolicyPort, 0, len(lps))
	for _, lp := range lps {
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: ptr.To(lp.Protocol), Port: ptr.To(intstr.FromInt32(lp.Port))})
	}
	return out
}

func policyTCP(p int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(p))}
}

// portList is "80/TCP, 443/TCP".
func portList(lps []*listenPort) string {
	s := make([]string, len(lps))
	for i, lp := range lps {
		s[i] = fmt.Sprintf("%d/%s", lp.Port, lp.Protocol)
	}
	return strings.Join(s, ", ")
}

// accountNetwork accounts a top-level networks.<name> field (loaders may also record its
// keys, networks.<name>.internal and so on).
func (b *builder) accountNetwork(path string) {
	rest := strings.TrimPrefix(path, "networks.")
	name, sub, _ := strings.Cut(rest, ".")
	if b.net == nil {
		b.ledger.Ignored("", path, "all pods share one flat network and reach Services by name; --network-policies reproduces the isolation between Compose networks with NetworkPolicies")
		return
	}
	n := b.net.byName[name]
	switch {
	case n == nil || len(n.Members) == 0:
		b.ledger.Ignored("", path, "no service of the app is on this network")
	case sub == "":
		b.ledger.Mapped("", path, b.networkTargets(n)...)
	case sub == "internal" || sub == "external" || sub == "name" && n.External:
		b.ledger.Mapped("", path, b.networkTargets(n)...)
	case sub == "name":
		b.ledger.Ignored("", path, "the Docker network's name: pods are selected by the label "+n.Label)
	default:
		b.ledger.Ignored("", path, "pod addresses, drivers and IPAM are the cluster network plugin's (CNI); policies select pods by label")
	}
}

// networkTargets are what a network became: its policy and pod label, for an external
// network the admission of labelled pods of every namespace, for an internal one the egress
// policies of the members only on internal networks (a member also on another network
// reaches out through it, as in Compose).
func (b *builder) networkTargets(n *netInfo) []string {
	policy := "NetworkPolicy/" + b.policyName(n)
	out := []string{policy, "pod label " + n.Label}
	if n.External {
		out = append(out, policy+" spec.ingress[0].from: pods labelled "+n.Label+" in every namespace")
	}
	if n.Internal {
		for _, s := range n.Members {
			if b.net.internalOnly(b.net.of[s]) {
				out = append(out, "NetworkPolicy/"+b.extraName(b.plans[s].Name, "-egress"))
			}
		}
	}
	return out
}

// accountServiceNetworks accounts services.<name>.networks when policies are on: each network
// became a pod label and the network's policy.
func (b *builder) accountServiceNetworks(p *pod) bool {
	if b.net == nil {
		return false
	}
	svc := p.svc
	prefix := svc.Paths.Of(model.KeyNetworks) + "."
	found := false
	for _, f := range b.app.Inputs {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		found = true
		name, sub, _ := strings.Cut(strings.TrimPrefix(f.Path, prefix), ".")
		sub, _, _ = strings.Cut(sub, "[")
		n := b.net.byName[name]
		switch {
		case n == nil:
		case sub == "" || sub == "aliases":
			b.ledger.Mapped(svc.Name, f.Path, p.metaTarget("labels."+n.Label), "NetworkPolicy/"+b.policyName(n))
		default:
			b.ledger.Ignored(svc.Name, f.Path, "pod addresses and interfaces are the cluster network plugin's (CNI)")
		}
	}
	if !found {
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyNetworks), p.metaTarget("labels"))
	}
	return true
}

// accountPolicyExt accounts the project-level x-berth keys of the NetworkPolicies.
func (b *builder) accountPolicyExt(path, key string) {
	switch {
	case b.net == nil:
		b.ledger.Ignored("", path, "no NetworkPolicies are generated (--network-policies is off or the input has no networks)")
	case key == "networkPolicies":
		b.ledger.Mapped("", path, "default of --network-policies: the NetworkPolicies")
	case b.albIngress():
		b.ledger.Ignored("", path, "the ALB (--provider aws) does not connect from the ingress controller's namespace")
	default:
		b.ledger.Mapped("", path, "default of --ingress-namespace: the NetworkPolicies' ingress rules for public HTTP ports")
	}
}
