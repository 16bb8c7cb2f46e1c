package convert_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/mattfenwick/cyclonus/pkg/matcher"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// The NetworkPolicy table: for each Compose app, which connections Compose allows is derived
// from the Compose network membership alone (this file's own reading of the Compose rules,
// not convert's code), and every pair of pods, port by port, is checked against the verdict
// of cyclonus's NetworkPolicy matcher (github.com/mattfenwick/cyclonus/pkg/matcher, the
// evaluator behind the cyclonus conformance suite) over the policies berth generated.
//
// Compose rules: a service is on its networks (none listed: the default network);
// network_mode service:X puts it on X's networks, host makes it reachable from anywhere, none
// cuts it off. A connects to B (any port) iff they share a network; a service only on
// internal networks reaches nothing outside them; published ports are reachable from outside.
// berth's documented additions, read from its output: the ports its load balancers and
// ingress controller reach, and the dependency waits of init containers (a TCP wait on B:P
// passes even without a shared network; an API wait may reach any address on 443/6443).

// undeclared is a port no service declares: Compose networks do not filter ports.
const undeclared = 9999

// composeMember is a service's place under the Compose rules.
type composeMember struct {
	mode string // "", host, none, isolated
	nets map[string]bool
}

// composeMembership reads the Compose network rules from the model.
func composeMembership(app *model.App) map[string]composeMember {
	out := map[string]composeMember{}
	var resolve func(s *model.Service, depth int) composeMember
	resolve = func(s *model.Service, depth int) composeMember {
		m := composeMember{nets: map[string]bool{}}
		switch {
		case s.NetworkMode == "":
			for _, n := range s.Networks {
				m.nets[n] = true
			}
			if len(s.Networks) == 0 {
				m.nets["default"] = true
			}
		case s.NetworkMode == "host" || s.NetworkMode == "none":
			m.mode = s.NetworkMode
		case strings.HasPrefix(s.NetworkMode, "service:") && depth < 8:
			if other := app.Service(strings.TrimPrefix(s.NetworkMode, "service:")); other != nil {
				return resolve(other, depth+1)
			}
			m.mode = "isolated"
		default:
			m.mode = "isolated"
		}
		return m
	}
	for _, s := range app.Services {
		out[s.Name] = resolve(s, 0)
	}
	return out
}

// internalOnly: every network of m is internal (Compose: no route out).
func internalOnly(app *model.App, m composeMember) bool {
	if m.mode != "" || len(m.nets) == 0 {
		return false
	}
	for n := range m.nets {
		internal := false
		for _, nw := range app.Networks {
			if nw.Name == n {
				internal = nw.Internal
			}
		}
		if !internal {
			return false
		}
	}
	return true
}

func share(a, b composeMember) bool {
	for n := range a.nets {
		if b.nets[n] {
			return true
		}
	}
	return false
}

// tablePod is one service's pod as the output describes it.
type tablePod struct {
	svc    string
	obj    string
	labels map[string]string
	ports  []corev1.ContainerPort
	// waits are TCP dependency waits: object name → port.
	waits   map[string]int32
	apiWait bool
	// lb are ports open to any source (LoadBalancer/NodePort); routed are ports behind an Ingress.
	lb, routed map[portKey]bool
}

// tablePods reads the pods of every workload, the public ports and the waits from objs.
func tablePods(t *testing.T, app *model.App, objs []convert.Object) map[string]*tablePod {
	t.Helper()
	names := convert.ObjectNames(app)
	byObj := map[string]*tablePod{}
	pods := map[string]*tablePod{}
	for _, s := range app.Services {
		p := &tablePod{svc: s.Name, obj: names[s.Name], waits: map[string]int32{}, lb: map[portKey]bool{}, routed: map[portKey]bool{}}
		pods[s.Name], byObj[p.obj] = p, p
	}
	services := map[string]*corev1.Service{}
	for _, o := range objs {
		if s, ok := o.(*corev1.Service); ok {
			services[s.Name] = s
		}
	}
	for _, o := range objs {
		spec := convert.PodSpec(o)
		switch x := o.(type) {
		case *corev1.Service:
			if p := byObj[x.Spec.Selector[convert.LabelName]]; p != nil && (x.Spec.Type == corev1.ServiceTypeLoadBalancer || x.Spec.Type == corev1.ServiceTypeNodePort) {
				for _, sp := range x.Spec.Ports {
					p.lb[portKey{sp.TargetPort.IntVal, sp.Protocol}] = true
				}
			}
		case *gatewayv1.HTTPRoute:
			for _, r := range x.Spec.Rules {
				for _, ref := range r.BackendRefs {
					s := services[string(ref.Name)]
					p := byObj[s.Spec.Selector[convert.LabelName]]
					for _, sp := range s.Spec.Ports {
						if sp.Port == int32(*ref.Port) {
							p.routed[portKey{sp.TargetPort.IntVal, sp.Protocol}] = true
						}
					}
				}
			}
		case *networkingv1.Ingress:
			for _, r := range x.Spec.Rules {
				for _, path := range r.HTTP.Paths {
					s := services[path.Backend.Service.Name]
					p := byObj[s.Spec.Selector[convert.LabelName]]
					for _, sp := range s.Spec.Ports {
						if sp.Port == path.Backend.Service.Port.Number {
							p.routed[portKey{sp.TargetPort.IntVal, sp.Protocol}] = true
						}
					}
				}
			}
		}
		if spec == nil {
			continue
		}
		p := byObj[o.GetName()]
		if p == nil {
			t.Fatalf("%s/%s is no service's workload", o.GetObjectKind().GroupVersionKind().Kind, o.GetName())
		}
		p.labels = templateLabels(o)
		for _, c := range spec.Containers {
			p.ports = append(p.ports, c.Ports...)
		}
		for _, c := range spec.InitContainers {
			readWait(p, c)
		}
	}
	// A service sharing X's network namespace (network_mode service:X) that has no workload of
	// its own runs in X's pod (netshare.go): its connections are that pod's.
	for _, s := range app.Services {
		host, ok := strings.CutPrefix(s.NetworkMode, "service:")
		if p := pods[s.Name]; ok && p.labels == nil && pods[host] != nil {
			pods[s.Name] = pods[host]
		}
	}
	return pods
}

// portKey is a port number and protocol.
type portKey struct {
	port  int32
	proto corev1.Protocol
}

func keyOf(p corev1.ContainerPort) portKey {
	if p.Protocol == "" {
		return portKey{p.ContainerPort, corev1.ProtocolTCP}
	}
	return portKey{p.ContainerPort, p.Protocol}
}

// readWait records a dependency-wait init container: a TCP wait has WAIT_HOST/WAIT_PORT, an
// API wait runs kubectl (wait or rollout status).
func readWait(p *tablePod, c corev1.Container) {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if host, port := env["WAIT_HOST"], env["WAIT_PORT"]; host != "" {
		n, _ := strconv.Atoi(port)
		p.waits[host] = int32(n)
		return
	}
	if len(c.Args) > 0 && (c.Args[0] == "wait" || c.Args[0] == "rollout") {
		p.apiWait = true
	}
}

func templateLabels(o convert.Object) map[string]string {
	switch w := o.(type) {
	case *appsv1.Deployment:
		return w.Spec.Template.Labels
	case *appsv1.StatefulSet:
		return w.Spec.Template.Labels
	case *appsv1.DaemonSet:
		return w.Spec.Template.Labels
	case *batchv1.Job:
		return w.Spec.Template.Labels
	case *batchv1.CronJob:
		return w.Spec.JobTemplate.Spec.Template.Labels
	}
	return nil
}

// tableApp is one converted app with the expectations and the matcher.
type tableApp struct {
	app    *model.App
	ns     string
	alb    bool
	member map[string]composeMember
	pods   map[string]*tablePod
	policy *matcher.Policy
	// controllers are the peers routed HTTP traffic comes from, beside noController, which
	// looks like one but is not (the default ingress namespace under --routing gateway).
	controllers  []*matcher.TrafficPeer
	noController *matcher.TrafficPeer
	// checked counts the verdicts compared.
	checked int
}

func (ta *tableApp) restricted(p *tablePod) bool {
	m := ta.member[p.svc]
	return m.mode == "none" || internalOnly(ta.app, m)
}

// podPeer is an app pod as a traffic peer.
func (ta *tableApp) podPeer(p *tablePod, ip string) *matcher.TrafficPeer {
	return &matcher.TrafficPeer{IP: ip, Internal: &matcher.InternalPeer{PodLabels: p.labels, Namespace: ta.ns,
		NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": ta.ns}}}
}

// probe compares the matcher's verdict on src → dst:port with want.
func (ta *tableApp) probe(t *testing.T, what string, src, dst *matcher.TrafficPeer, port corev1.ContainerPort, want bool) {
	t.Helper()
	proto := port.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	got := ta.policy.IsTrafficAllowed(&matcher.Traffic{Source: src, Destination: dst,
		ResolvedPort: int(port.ContainerPort), ResolvedPortName: port.Name, Protocol: proto}).IsAllowed()
	ta.checked++
	if got != want {
		t.Errorf("%s port %d/%s: policies allow=%v, Compose rules want %v", what, port.ContainerPort, proto, got, want)
	}
}

// destPorts are the ports to probe on p: its container ports and one nobody declares.
func destPorts(p *tablePod) []corev1.ContainerPort {
	return append(append([]corev1.ContainerPort(nil), p.ports...), corev1.ContainerPort{ContainerPort: undeclared, Protocol: corev1.ProtocolTCP})
}

// checkPairs checks every app pod → app pod connection.
func (ta *tableApp) checkPairs(t *testing.T, order []string) {
	for i, a := range order {
		for j, b := range order {
			if a == b {
				continue
			}
			pa, pb := ta.pods[a], ta.pods[b]
			ma, mb := ta.member[a], ta.member[b]
			for _, port := range destPorts(pb) {
				p, k := port.ContainerPort, keyOf(port)
				wait := k.proto == corev1.ProtocolTCP && pa.waits[pb.obj] == p
				in := share(ma, mb) || mb.mode == "host" || pb.lb[k] || ta.alb && pb.routed[k] || wait
				out := !ta.restricted(pa) || share(ma, mb) || wait || pa.apiWait && (p == 443 || p == 6443)
				ta.probe(t, a+" → "+b, ta.podPeer(pa, fmt.Sprintf("10.1.%d.1", i)), ta.podPeer(pb, fmt.Sprintf("10.1.%d.1", j)), port, in && out)
			}
		}
	}
}

// checkOutsiders checks connections from outside the app into it and from the app out.
func (ta *tableApp) checkOutsiders(t *testing.T, order []string) {
	client := &matcher.TrafficPeer{IP: "198.51.100.7"}
	for i, b := range order {
		pb := ta.pods[b]
		mb := ta.member[b]
		dst := ta.podPeer(pb, fmt.Sprintf("10.1.%d.1", i))
		// another app in the same namespace, labelled as if on every network of this one
		foreign := map[string]string{convert.LabelPartOf: "other-app"}
		for k, v := range pb.labels {
			if strings.HasPrefix(k, convert.NetworkLabelPrefix) {
				foreign[k] = v
			}
		}
		neighbour := &matcher.TrafficPeer{IP: "10.3.0.1", Internal: &matcher.InternalPeer{Namespace: ta.ns, PodLabels: foreign,
			NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": ta.ns}}}
		for _, port := range destPorts(pb) {
			k := keyOf(port)
			public := mb.mode == "host" || pb.lb[k] || ta.alb && pb.routed[k]
			for _, c := range ta.controllers {
				ta.probe(t, "ingress controller or Gateway proxy → "+b, c, dst, port, public || pb.routed[k])
			}
			if ta.noController != nil {
				ta.probe(t, "pod of the default ingress namespace → "+b, ta.noController, dst, port, public)
			}
			ta.probe(t, "outside client → "+b, client, dst, port, public)
			ta.probe(t, "other app in the namespace → "+b, neighbour, dst, port, public || ta.externalMember(pb, foreign))
			for _, nw := range ta.app.Networks {
				if !nw.External {
					continue
				}
				label := externalLabel(nw)
				other := &matcher.TrafficPeer{IP: "10.4.0.1", Internal: &matcher.InternalPeer{Namespace: "elsewhere",
					PodLabels: map[string]string{label: "true"}, NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "elsewhere"}}}
				ta.probe(t, "pod of another namespace on external network "+nw.Name+" → "+b, other, dst, port, public || mb.nets[nw.Name])
			}
		}
		ta.checkEgress(t, b, ta.podPeer(pb, fmt.Sprintf("10.1.%d.1", i)))
	}
}

// checkEgress checks DNS and the internet from one app pod.
func (ta *tableApp) checkEgress(t *testing.T, name string, src *matcher.TrafficPeer) {
	p := ta.pods[name]
	dns := &matcher.TrafficPeer{IP: "10.96.0.10", Internal: &matcher.InternalPeer{Namespace: "kube-system",
		PodLabels: map[string]string{"k8s-app": "kube-dns"}, NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}}}
	ta.probe(t, name+" → cluster DNS", src, dns, corev1.ContainerPort{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		ta.member[name].mode != "none" || len(p.waits) > 0)
	internet := &matcher.TrafficPeer{IP: "93.184.216.34"}
	ta.probe(t, name+" → internet", src, internet, corev1.ContainerPort{ContainerPort: 80, Protocol: corev1.ProtocolTCP}, !ta.restricted(p))
	ta.probe(t, name+" → internet", src, internet, corev1.ContainerPort{ContainerPort: 443, Protocol: corev1.ProtocolTCP}, !ta.restricted(p) || p.apiWait)
}

// externalMember: the foreign pod carries the label of an external network p is on.
func (ta *tableApp) externalMember(p *tablePod, foreign map[string]string) bool {
	for _, nw := range ta.app.Networks {
		if nw.External && ta.member[p.svc].nets[nw.Name] && foreign[externalLabel(nw)] == "true" {
			return true
		}
	}
	return false
}

// externalLabel is the pod label of an external network, as README documents it.
func externalLabel(nw model.Network) string {
	name := nw.ExternalName
	if name == "" {
		name = nw.Name
	}
	return convert.NetworkLabelPrefix + name
}

// runTable converts app with policies on and checks the whole table.
func runTable(t *testing.T, app *model.App, opts convert.Options) int {
	t.Helper()
	on := true
	opts.NetworkPolicies = &on
	res, err := convert.Convert(app, opts)
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	var netpols []*networkingv1.NetworkPolicy
	ns := ""
	for _, o := range res.Objects {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			netpols = append(netpols, np)
		}
		if o.GetObjectKind().GroupVersionKind().Kind == "Namespace" {
			ns = o.GetName()
		}
	}
	if len(netpols) == 0 {
		t.Fatal("no NetworkPolicy generated")
	}
	ta := &tableApp{app: app, ns: ns, alb: opts.Provider == convert.ProviderAWS, member: composeMembership(app),
		pods: tablePods(t, app, res.Objects), policy: matcher.BuildNetworkPolicies(false, netpols)}
	ingressNS := nsPod("ingress-nginx", map[string]string{"app.kubernetes.io/name": "ingress-nginx"})
	if opts.Routing == convert.RoutingGateway {
		// GEP-1762: the Gateway's proxies run beside it, labelled with its name
		for _, o := range res.Objects {
			if gw, ok := o.(*gatewayv1.Gateway); ok {
				ta.controllers = append(ta.controllers, nsPod(ns, map[string]string{"gateway.networking.k8s.io/gateway-name": gw.Name}))
			}
		}
		ta.noController = ingressNS
	} else {
		ta.controllers = append(ta.controllers, ingressNS)
	}
	order := make([]string, 0, len(app.Services))
	for _, s := range app.Services {
		order = append(order, s.Name)
	}
	ta.checkPairs(t, order)
	ta.checkOutsiders(t, order)
	if t.Failed() {
		t.Logf("policies:\n%s", ta.policy.ExplainTable())
	}
	return ta.checked
}

// nsPod is a pod of namespace ns with labels.
func nsPod(ns string, labels map[string]string) *matcher.TrafficPeer {
	return &matcher.TrafficPeer{IP: "10.2.0.1", Internal: &matcher.InternalPeer{Namespace: ns, PodLabels: labels,
		NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}
}

func loadCompose(t *testing.T, file string) (*model.App, error) {
	t.Helper()
	return compose.Load(context.Background(), compose.Options{Files: []string{file}, Environ: []string{"PWD=/"}})
}

// TestNetworkPolicyTable checks the golden case that holds every network mode, with the
// generic provider and with the AWS ALB.
func TestNetworkPolicyTable(t *testing.T) {
	file := filepath.Join("..", "..", "internal", "cli", "testdata", "golden", "network-policies", "compose.yaml")
	for _, opts := range []convert.Options{{}, {Provider: convert.ProviderAWS},
		{Routing: convert.RoutingGateway, GatewayClass: "nginx"}, {Routing: convert.RoutingGateway, Provider: convert.ProviderAWS}} {
		t.Run("provider="+opts.Provider+",routing="+opts.Routing, func(t *testing.T) {
			app, err := loadCompose(t, file)
			if err != nil {
				t.Fatal(err)
			}
			n := runTable(t, app, opts)
			t.Logf("%d verdicts checked", n)
		})
	}
}

// TestNetworkPolicyTableCorpus checks every corpus Compose file that converts on its own
// (../shared/corpus/compose from the module root; skipped when absent).
func TestNetworkPolicyTableCorpus(t *testing.T) {
	dir := corpus.Dir(t, "compose")
	files := corpus.ProjectFiles(t, dir)
	apps, multi, verdicts := 0, 0, 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		app, err := loadCompose(t, f)
		if err != nil {
			continue // which files load is the loader's corpus test's business
		}
		if _, err := convert.Convert(app, convert.Options{}); err != nil {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			verdicts += runTable(t, app, convert.Options{})
		})
		apps++
		if len(app.Networks) > 1 {
			multi++
		}
	}
	t.Logf("%d corpus apps (%d with several networks), %d verdicts checked", apps, multi, verdicts)
	if apps == 0 || multi == 0 {
		t.Errorf("the corpus gave %d apps, %d with several networks: nothing to check", apps, multi)
	}
}
