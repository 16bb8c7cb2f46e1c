package convert

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"k8s.io/apimachinery/pkg/util/validation"
)

// NetworkPolicies (--network-policies) reproduce the isolation of Compose networks: a pod
// accepts connections only from pods of services sharing a network with it, from the ingress
// controller (public HTTP ports) and from anywhere on ports a LoadBalancer or NodePort Service
// publishes. Membership is a pod label per network, so `kubectl get pods -l` shows a
// network's members and one policy per network reads like the Compose file. This file decides
// the membership and labels; netpol_policy.go builds the policies.

// NetworkLabelPrefix prefixes the pod label that marks membership of a Compose network:
// network.berth.dev/<network>: "true".
const NetworkLabelPrefix = "network.berth.dev/"

// DefaultIngressNamespace is the namespace of the ingress controller when neither
// --ingress-namespace nor x-berth.ingressNamespace names one (ingress-nginx's default).
const DefaultIngressNamespace = "ingress-nginx"

// Network modes a service's pods can have under the policies.
const (
	netJoined   = ""         // on its networks (or the default network)
	netHost     = "host"     // network_mode host: reachable from everywhere
	netNone     = "none"     // network_mode none: no connections in or out
	netIsolated = "isolated" // on no network of the app (bridge, container:ID, missing service:NAME)
)

// netState is the network membership of every service, decided before pods are built.
type netState struct {
	// nets are the app's networks in name order (the implicit default one included when used).
	nets   []*netInfo
	byName map[string]*netInfo
	// of maps a service name to its membership.
	of map[string]*membership
}

// netInfo is one Compose network.
type netInfo struct {
	model.Network
	// Label is the pod label key of its members.
	Label string
	// Members are the names of the services on it, in service order.
	Members []string
}

// membership is where one service's pods sit.
type membership struct {
	Mode string
	// Nets are the names of its networks, sorted.
	Nets []string
}

// internalOnly reports whether every network of m is internal: Compose gives such containers
// no route out, so their egress is restricted too.
func (s *netState) internalOnly(m *membership) bool {
	if m.Mode != netJoined || len(m.Nets) == 0 {
		return false
	}
	for _, n := range m.Nets {
		if !s.byName[n].Internal {
			return false
		}
	}
	return true
}

// share reports whether the services a and b have a network in common.
func (s *netState) share(a, b string) bool {
	ma, mb := s.of[a], s.of[b]
	if ma == nil || mb == nil {
		return false
	}
	for _, x := range ma.Nets {
		for _, y := range mb.Nets {
			if x == y {
				return true
			}
		}
	}
	return false
}

// policiesOn reports whether NetworkPolicies are requested (flag, else x-berth).
func (o Options) policiesOn() bool { return o.NetworkPolicies != nil && *o.NetworkPolicies }

// planNetworks decides every service's network membership when policies are on. ECS task
// definitions carry no networks: awsvpc tasks are isolated by security groups, which the
// input does not describe, so berth emits no policies for them rather than guess.
func (b *builder) planNetworks() {
	if !b.opts.policiesOn() {
		return
	}
	if b.app.Source == model.ECS {
		b.ledger.Warnf("", "", "--network-policies: ECS task definitions name no networks (awsvpc tasks are isolated by security groups, which berth does not read): no NetworkPolicies are generated")
		return
	}
	s := &netState{byName: map[string]*netInfo{}, of: map[string]*membership{}}
	for _, n := range b.app.Networks {
		s.add(n)
	}
	for _, svc := range b.app.Services {
		m := b.membershipOf(svc, 0)
		s.of[svc.Name] = m
		for _, n := range m.Nets {
			if s.byName[n] == nil { // the implicit default network, or one the model lacks
				s.add(model.Network{Name: n})
			}
			s.byName[n].Members = append(s.byName[n].Members, svc.Name)
		}
		b.reportMode(svc, m)
	}
	labels := map[string]string{}
	for _, n := range s.nets {
		if other, dup := labels[n.Label]; dup {
			b.ledger.Warnf("", n.Field, "networks %s and %s share the pod label %s (an external network's name: is the other's key), so the NetworkPolicies treat them as one network",
				other, n.Name, n.Label)
		}
		labels[n.Label] = n.Name
	}
	b.net = s
}

// add registers network n with its pod label.
func (s *netState) add(n model.Network) {
	name := n.Name
	if n.External && n.ExternalName != "" {
		name = n.ExternalName // other apps attach to an external network by its real name
	}
	info := &netInfo{Network: n, Label: NetworkLabelPrefix + labelName(name)}
	s.byName[n.Name] = info
	i := 0
	for i < len(s.nets) && s.nets[i].Name < n.Name {
		i++
	}
	s.nets = append(s.nets[:i], append([]*netInfo{info}, s.nets[i:]...)...)
}

// membershipOf is where svc's pods sit. network_mode service:NAME shares NAME's network
// namespace in Compose, so the pods join NAME's networks (depth bounds a chain of them).
func (b *builder) membershipOf(svc *model.Service, depth int) *membership {
	mode := svc.NetworkMode
	switch {
	case mode == "":
		nets := svc.Networks
		if len(nets) == 0 {
			nets = []string{model.DefaultNetwork}
		}
		return &membership{Mode: netJoined, Nets: nets}
	case mode == "host":
		return &membership{Mode: netHost}
	case mode == "none":
		return &membership{Mode: netNone}
	case strings.HasPrefix(mode, "service:"):
		if other := b.serviceNamed(strings.TrimPrefix(mode, "service:")); other != nil && depth < 8 {
			m := b.membershipOf(other, depth+1)
			if m.Mode == netJoined {
				return &membership{Mode: netJoined, Nets: m.Nets}
			}
			return m
		}
	}
	return &membership{Mode: netIsolated}
}

// reportMode says how a network_mode other than the project networks is treated.
func (b *builder) reportMode(svc *model.Service, m *membership) {
	field := svc.Paths.Of(model.KeyNetworkMode)
	switch {
	case svc.NetworkMode == "":
	case m.Mode == netHost:
		b.ledger.Warnf(svc.Name, field, "network_mode host: the NetworkPolicies let every pod and address reach %s's pods, as anything reaches a container on the host network", svc.Name)
	case m.Mode == netNone:
		b.ledger.Infof(svc.Name, field, "network_mode none: the NetworkPolicies deny %s's pods every connection in and out (except what its dependency waits need)", svc.Name)
	case m.Mode == netJoined:
		b.ledger.Infof(svc.Name, field, "network_mode %s: %s's pods join the same networks (%s) under the NetworkPolicies", svc.NetworkMode, svc.Name, strings.Join(m.Nets, ", "))
	default:
		b.ledger.Warnf(svc.Name, field, "network_mode %s: %s is on none of the app's networks, so the NetworkPolicies let no other service reach its pods", svc.NetworkMode, svc.Name)
	}
}

// networkLabels adds the membership labels to a pod template's labels.
func (b *builder) networkLabels(pl *plan, labels map[string]string) {
	if b.net == nil {
		return
	}
	for _, n := range b.net.of[pl.Svc.Name].Nets {
		labels[b.net.byName[n].Label] = "true"
	}
}

// labelName is name as the name part of a label key (at most 63 characters of
// [A-Za-z0-9_.-], alphanumeric at both ends); names that are not get a sanitized form with a
// hash suffix, so distinct networks keep distinct labels.
func labelName(name string) string {
	if len(validation.IsQualifiedName(name)) == 0 {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s-%08x", dnsLabel(name, 54, "net"), h.Sum32())
}
