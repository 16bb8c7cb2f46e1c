package convert

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// listenPort is one port a service listens on, deduplicated by number and protocol.
type listenPort struct {
	Port     int32
	Protocol corev1.Protocol
	// Name is the valid, pod-unique port name (container port and Service port share it).
	Name string
	// HTTP: the port speaks HTTP and can sit behind an Ingress.
	HTTP        bool
	AppProtocol string
	// ServicePort is the port the Service listens on when clients dial another port than the
	// container's (ECS bridge hostPort); 0 = Port. See svcPort.
	ServicePort int32
	// Published are the host ports Compose publishes it on (the service is public).
	Published []int32
	// Loopback are the fields of ports published on a loopback address only (127.0.0.1:8080:80):
	// host-local in Compose, so not made public.
	Loopback []string
	// Container is the index of the container that declares it (0 for image/x-berth ports).
	Container int
	Source    model.PortSource
	// Fields are the input fields the port came from.
	Fields []string
}

// tls reports whether lp speaks TLS itself (named https, or app_protocol https/wss: 443 and
// 8443 are named https): the container terminates TLS, as under Compose.
func (lp *listenPort) tls() bool {
	switch strings.ToLower(lp.AppProtocol) {
	case "https", "wss", "kubernetes.io/wss":
		return true
	}
	return lp.Name == "https"
}

// svcPort is the port the Service listens on for lp.
func (lp *listenPort) svcPort() int32 {
	if lp.ServicePort != 0 {
		return lp.ServicePort
	}
	return lp.Port
}

// httpPortNumber reports whether a container port conventionally speaks HTTP. 9000 is left out
// on purpose: php-fpm (FastCGI) and ClickHouse's native protocol use it too.
func httpPortNumber(p int32) bool {
	switch p {
	case 80, 443, 3000, 4000, 5000, 5173, 8000, 8008, 8080, 8081, 8443, 8888:
		return true
	}
	return false
}

// httpAppProtocols are app_protocol values an Ingress can route.
func httpAppProtocol(p string) bool {
	switch strings.ToLower(p) {
	case "http", "https", "http2", "h2c", "ws", "wss", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss":
		return true
	}
	return false
}

// servicePorts collects the ports svc listens on from ports/expose (the containers' Ports),
// x-berth.ports and, when those say nothing, the well-known image table. Ports are unique by
// number and protocol, in first-seen order, with valid unique names.
func (b *builder) servicePorts(svc *model.Service) []*listenPort {
	var out []*listenPort
	find := func(port int32, proto corev1.Protocol) *listenPort {
		for _, lp := range out {
			if lp.Port == port && lp.Protocol == proto {
				return lp
			}
		}
		return nil
	}
	info, _, known := b.containerImage(svc.Main())
	add := func(ci int, p model.Port, field string) {
		proto := protocol(p.Protocol)
		lp := find(p.Target, proto)
		if lp == nil {
			lp = &listenPort{Port: p.Target, Protocol: proto, Container: ci, Source: p.Source}
			lp.HTTP, lp.Name = portKind(p, info, known)
			out = append(out, lp)
		}
		if p.ServicePort != 0 && lp.ServicePort == 0 {
			lp.ServicePort = p.ServicePort
		}
		if p.AppProtocol != "" && lp.AppProtocol == "" {
			lp.AppProtocol = p.AppProtocol
		}
		if pub, ok := publishedPort(p); ok {
			if loopback(p.HostIP) {
				lp.Loopback = append(lp.Loopback, field)
			} else {
				lp.Published = append(lp.Published, pub)
			}
		}
		if field != "" {
			lp.Fields = append(lp.Fields, field)
		}
	}
	for ci := range svc.Containers {
		for _, p := range svc.Containers[ci].Ports {
			field := p.Field
			if p.Source == model.FromDockerfile || p.Source == model.FromProxyLabel {
				field = "" // derived: the build section and labels are accounted for on their own
			}
			if p.Target > 0 {
				add(ci, p, field)
			}
		}
	}
	for i, port := range svc.Options.Ports {
		add(0, model.Port{Target: port, Protocol: model.TCP, Source: model.FromBerth},
			fmt.Sprintf("%s.x-berth.ports[%d]", svc.Field, i))
	}
	// A host-network pod declares its ports (they are the node's): no guessing. The table's
	// ports are the image's server's: a client run on the image (pg_dump in a loop) has none.
	if len(out) == 0 && known && !b.hostNetwork(svc) && runsServer(*svc.Main()) {
		for _, ip := range info.Ports {
			add(0, model.Port{Target: ip.Port, Protocol: model.TCP, Source: model.FromImage}, "")
		}
	}
	for _, r := range b.refs[svc.Name] {
		if find(r.Port, corev1.ProtocolTCP) == nil {
			add(0, model.Port{Target: r.Port, Protocol: model.TCP, Source: fromReference}, "")
			b.ledger.Infof(svc.Name, svc.Field, "listens on port %d: %s connects to it on that port (declare `expose` to make it explicit)",
				r.Port, r.Field)
		}
	}
	if len(out) == 0 && b.conn != nil {
		for _, r := range b.conn.health[svc.Name] {
			add(0, model.Port{Target: r.Port, Protocol: model.TCP, Source: fromHealthcheck}, "")
			b.ledger.Infof(svc.Name, svc.Field, "listens on port %d: its healthcheck (%s) checks localhost:%d (declare `expose` to make it explicit)",
				r.Port, r.Field, r.Port)
		}
	}
	for _, lp := range out {
		if !lp.HTTP && lp.Protocol == corev1.ProtocolTCP && (healthGetsHTTP(svc.Containers[lp.Container].Health, lp.Port) ||
			slices.ContainsFunc(lp.Published, b.browsedOverHTTP)) {
			lp.HTTP = true // ghostfolio's `curl -f http://localhost:3333/api/v1/health`, Planka's BASE_URL
			if lp.Name == "" {
				lp.Name = "http"
			}
		}
	}
	nameUnique(out)
	return out
}

// healthLocalURL finds a plain-HTTP URL to the container itself in a healthcheck.
var healthLocalURL = regexp.MustCompile(`\bhttp://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d{1,5}))?(?:[/"'\s]|$)`)

// healthGetsHTTP reports whether the container's own healthcheck requests plain HTTP from
// port on itself (`curl -f http://localhost:3333/api/v1/health`, wget likewise): the port
// speaks HTTP, so an Ingress can route it, whatever its number.
func healthGetsHTTP(h *model.Health, port int32) bool {
	if h == nil || h.Type == model.HealthNone {
		return false
	}
	for _, m := range healthLocalURL.FindAllStringSubmatch(strings.Join(h.Command, " "), -1) {
		p := int64(80)
		if m[1] != "" {
			p, _ = strconv.ParseInt(m[1], 10, 32)
		}
		if int32(p) == port {
			return true
		}
	}
	return false
}

// portKind decides whether p speaks HTTP and its preferred name: the input's name, the image
// table's, the app protocol, http/https by number, else <protocol>-<port>.
func portKind(p model.Port, info imageInfo, known bool) (bool, string) {
	isHTTP := httpAppProtocol(p.AppProtocol) || (p.AppProtocol == "" && httpPortNumber(p.Target))
	name := ""
	if known {
		for _, ip := range info.Ports {
			if ip.Port == p.Target {
				isHTTP = ip.HTTP || httpAppProtocol(p.AppProtocol)
				name = ip.Name
			}
		}
	}
	if protocol(p.Protocol) != corev1.ProtocolTCP {
		isHTTP = false
		name = ""
	}
	switch {
	case p.Name != "":
		name = p.Name
	case name != "":
	case p.AppProtocol != "":
		name = p.AppProtocol
	case isHTTP && (p.Target == 443 || p.Target == 8443):
		name = "https"
	case isHTTP:
		name = "http"
	}
	return isHTTP, name
}

// nameUnique makes port names valid and unique: a taken or invalid name becomes
// <name>-<port>, then <protocol>-<port>, then gets a counter.
func nameUnique(ports []*listenPort) {
	used := map[string]bool{}
	for _, lp := range ports {
		proto := strings.ToLower(string(lp.Protocol))
		num := strconv.Itoa(int(lp.Port))
		candidates := []string{portName(lp.Name), portName(lp.Name + "-" + num), proto + "-" + num}
		chosen := ""
		for _, c := range candidates {
			if c != "" && !used[c] {
				chosen = c
				break
			}
		}
		for i := 2; chosen == ""; i++ {
			if c := portName(fmt.Sprintf("%s-%s-%d", proto, num, i)); !used[c] {
				chosen = c
			}
		}
		used[chosen] = true
		lp.Name = chosen
	}
}

// loopback reports whether a host IP is a loopback address.
func loopback(ip string) bool {
	ip = strings.Trim(ip, "[]")
	return strings.HasPrefix(ip, "127.") || ip == "::1" || ip == "localhost"
}

// protocol maps a model protocol to Kubernetes (TCP when unset).
func protocol(p model.Protocol) corev1.Protocol {
	switch model.Protocol(strings.ToUpper(string(p))) {
	case model.UDP:
		return corev1.ProtocolUDP
	case model.SCTP:
		return corev1.ProtocolSCTP
	}
	return corev1.ProtocolTCP
}

// publishedPort returns the host port p is published on. A range ("8000-8001") counts as
// published at its first port; "" means not published. Compose ports with a host side but
// without a fixed number (e.g. "127.0.0.1::80") are published at a random port: the target.
func publishedPort(p model.Port) (int32, bool) {
	if p.Published == "" && p.HostIP == "" {
		return 0, false
	}
	s := p.Published
	if i := strings.Index(s, "-"); i > 0 {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 {
		return p.Target, true
	}
	return int32(n), true
}

// containerPorts are the container ports of container ci, named as in the Service.
func containerPorts(ports []*listenPort, ci int) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, lp := range ports {
		if lp.Container == ci {
			out = append(out, corev1.ContainerPort{Name: lp.Name, ContainerPort: lp.Port, Protocol: lp.Protocol})
		}
	}
	return out
}
