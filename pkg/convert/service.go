package convert

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// services emits the ClusterIP Service of a listening service: its ports equal the container
// ports, so the Compose address <service>:<port> keeps working. StatefulSets also get a
// headless Service (their serviceName) that publishes not-ready pods for peer discovery;
// clients keep the ClusterIP Service, whose address survives pod restarts.
func (b *builder) services(pl *plan) {
	if pl.Kind == model.KindStatefulSet {
		b.headless(pl)
	}
	if len(pl.Ports) == 0 {
		return
	}
	svc := pl.Svc
	s := b.serviceObject(pl, pl.Name)
	s.Spec.Type = corev1.ServiceTypeClusterIP
	for _, k := range sortedKeys(svc.Options.ServiceAnnotations) {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[k] = svc.Options.ServiceAnnotations[k]
		b.ledger.Mapped(svc.Name, svc.Field+".x-berth.serviceAnnotations", "Service/"+pl.Name+" metadata.annotations")
	}
	for i, lp := range pl.Ports {
		s.Spec.Ports = append(s.Spec.Ports, servicePort(lp, lp.svcPort()))
		target := fmt.Sprintf("Service/%s spec.ports[%d]", pl.Name, i)
		for _, f := range lp.Fields {
			b.ledger.Mapped(svc.Name, f, target)
		}
		if lp.Source == model.FromProxyLabel {
			b.ledger.Infof(svc.Name, svc.Paths.Of(model.KeyLabels), "port %d/%s comes from a reverse proxy's routing label: declare `expose` if it differs",
				lp.Port, lp.Protocol)
		}
		if lp.Source == model.FromDockerfile {
			b.ledger.Infof(svc.Name, svc.Containers[lp.Container].Paths.Of(model.KeyBuild), "port %d/%s comes from EXPOSE in the Dockerfile: declare `expose` if it differs",
				lp.Port, lp.Protocol)
		}
		if lp.Source == model.FromImage {
			_, image, _ := b.containerImage(svc.Main())
			b.ledger.Infof(svc.Name, svc.Field, "port %d/%s comes from berth's table of well-known images (%s%s): declare `expose` if it differs",
				lp.Port, lp.Protocol, tableName(image), builtFrom(svc.Main(), image))
		}
	}
	b.emit(s)
	b.aliases(pl, s)
}

// headless emits the StatefulSet's governing Service: it gives each pod a stable DNS name
// (<pod>.<name>-headless) and publishes pods before they are ready, for peer discovery. It
// exists even when no port is known (a headless Service needs none).
func (b *builder) headless(pl *plan) {
	h := b.serviceObject(pl, b.headlessName(pl))
	h.Spec.ClusterIP = corev1.ClusterIPNone
	h.Spec.PublishNotReadyAddresses = true
	for _, lp := range pl.Ports {
		h.Spec.Ports = append(h.Spec.Ports, servicePort(lp, lp.svcPort()))
	}
	b.emit(h)
}

// aliases emits one more ClusterIP Service per extra DNS name clients use for the service
// (network and link aliases, ECS Service Connect discovery names and client aliases, and the
// container_name or hostname other services dial), with the same ports.
func (b *builder) aliases(pl *plan, main *corev1.Service) {
	for _, a := range b.servedAliases(pl.Svc) {
		name := strings.ToLower(a)
		switch {
		case name == pl.Name:
			continue
		case len(validation.IsDNS1035Label(name)) > 0 && b.rewrittenAlias(a):
			b.ledger.Infof(pl.Svc.Name, pl.Svc.Field, "alias %q is not a valid Service name (a DNS label): the mounted files that "+
				"name it now name %s; other clients need that name too%s", a, pl.Name, b.setVar(pl, a))
			continue
		case len(validation.IsDNS1035Label(name)) > 0:
			b.ledger.Warnf(pl.Svc.Name, pl.Svc.Field, "alias %q is not a valid Service name (a DNS label): clients using it need another name%s",
				a, b.setVar(pl, a))
			continue
		case b.index.taken[name]:
			b.ledger.Warnf(pl.Svc.Name, pl.Svc.Field, "alias %q is already the name of another object: not created", a)
			continue
		}
		b.index.taken[name] = true
		s := b.serviceObject(pl, name)
		s.Spec.Type, s.Spec.Ports = corev1.ServiceTypeClusterIP, main.Spec.Ports
		b.emit(s)
		b.ledger.Infof(pl.Svc.Name, pl.Svc.Field, "alias %q: Service/%s selects the same pods", a, name)
	}
}

// setVar is the advice for a name of pl's service the input wrote as a Compose variable: setting
// it to the Service's name fixes the name and every value that reads the variable at once.
func (b *builder) setVar(pl *plan, name string) string {
	if v := b.nameVar(pl.Svc, name); v != "" {
		return fmt.Sprintf("; it comes from ${%s}: set %s=%s (in .env or the environment) and every value that reads ${%s} names Service %s",
			v, v, pl.Name, v, pl.Name)
	}
	return ""
}

// serviceObject is a Service selecting pl's pods.
func (b *builder) serviceObject(pl *plan, name string) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, pl.Name),
		Spec:       corev1.ServiceSpec{Selector: Selector(b.app.Name, pl.Name)},
	}
}

// servicePort is the Service port for lp, listening on port and forwarding to the container
// port by number.
func servicePort(lp *listenPort, port int32) corev1.ServicePort {
	sp := corev1.ServicePort{Name: lp.Name, Port: port, TargetPort: intstr.FromInt32(lp.Port), Protocol: lp.Protocol}
	if ap := appProtocol(lp.AppProtocol); ap != "" {
		sp.AppProtocol = &ap
	}
	return sp
}

// appProtocol normalizes an app_protocol to a value Kubernetes accepts: IANA names as given,
// the kubernetes.io/ prefixed ones, or a domain-prefixed name; others are left out.
func appProtocol(p string) string {
	switch p {
	case "":
		return ""
	case "h2c", "ws", "wss":
		return "kubernetes.io/" + p
	}
	if portName(p) == p {
		return p
	}
	return ""
}

// headlessName is the name of a StatefulSet's headless Service.
func (b *builder) headlessName(pl *plan) string {
	return b.extraName(pl.Name, "-headless")
}

// extraName returns base+suffix, unique among the app's object names (a service may itself
// be called web-headless); the same arguments always give the same name.
func (b *builder) extraName(base, suffix string) string {
	key := base + "\x00" + suffix
	if n, ok := b.extra[key]; ok {
		return n
	}
	name := dnsLabel(base+suffix, maxName, "svc")
	for i := 2; b.index.taken[name]; i++ {
		name = dnsLabel(fmt.Sprintf("%s%s-%d", base, suffix, i), maxName, "svc")
	}
	b.extra[key] = name
	b.index.taken[name] = true
	return name
}
