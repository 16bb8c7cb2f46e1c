package convert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// publicurl.go: a variable whose value is a URL on localhost at a port that a service publishes
// on the Compose host (NEXTAUTH_URL=http://localhost:3000, Postiz's MAIN_URL=http://localhost:4007)
// is the address a browser on that host used to reach the app: the app puts it in redirects,
// links, CORS origins and cookies. In the cluster browsers reach that service at its Ingress
// host, so berth warns, once per such address, naming the variables (never their values) and
// the host to write. It does not rewrite them: the same value can also be the container's own
// address, which localhost still is in its pod.

// localURL matches an http(s) or ws(s) URL on a loopback host, with its optional port (not
// 0.0.0.0: a listener's bind address, which no browser opens).
var localURL = lazyRegexp(`(?i)\b(https?|wss?)://(?:localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(?:[/?#"'\s,;]|$)`)

// browserVar reports whether a variable's URLs can be addresses a browser opens: not the
// container's own listeners (SCHEMA_REGISTRY_LISTENERS=http://0.0.0.0:8081, KAFKA_ADVERTISED_
// LISTENERS, *_BIND_ADDRESS), not an address it says is internal (Documenso's
// NEXT_PRIVATE_INTERNAL_WEBAPP_URL, the container calling itself), nor an external secret.
func browserVar(e model.EnvVar) bool {
	if e.Unset || e.From != nil || connaddr.ListenVar(e.Name) {
		return false
	}
	return !slices.ContainsFunc(strings.Split(strings.ToUpper(e.Name), "_"), func(w string) bool {
		return strings.HasPrefix(w, "BIND") || w == "INTERNAL"
	})
}

// publicAddr is where browsers reach a published port in the cluster: at is the phrase that
// says where, what the thing to write there (a host, an address).
type publicAddr struct {
	svc, at, what string
}

// namedURL is a variable that names a published port on localhost.
type namedURL struct {
	svc, field, name string
}

// maxNamed is how many variable names one warning lists before "and N more".
const maxNamed = 8

// publicURLWarnings warns once per published port that variables name on localhost.
func (b *builder) publicURLWarnings() {
	if b.app.Source == model.ECS {
		return // no Compose host: browsers never used localhost
	}
	public := b.publicAddrs()
	if len(public) == 0 {
		return
	}
	byPort := map[int32][]namedURL{}
	var ports []int32 // in the order first named
	for _, u := range b.localURLs() {
		if _, ok := public[u.port]; !ok {
			continue
		}
		if len(byPort[u.port]) == 0 {
			ports = append(ports, u.port)
		}
		byPort[u.port] = append(byPort[u.port], u.namedURL)
	}
	for _, port := range ports {
		vars, to := byPort[port], public[port]
		var names, services []string // each once, in order: linear in the variables
		seen := map[string]bool{}
		for _, v := range vars {
			if !seen["n\x00"+v.name] {
				seen["n\x00"+v.name] = true
				names = append(names, v.name)
			}
			if !seen["s\x00"+v.svc] {
				seen["s\x00"+v.svc] = true
				services = append(services, v.svc)
			}
		}
		list, verb := strings.Join(names[:min(len(names), maxNamed)], ", "), "names"
		if len(names) > 1 {
			verb = "name"
		}
		if n := len(names) - maxNamed; n > 0 {
			list += fmt.Sprintf(" and %d more", n)
		}
		b.ledger.BreakAllf(vars[0].svc, vars[0].field, services,
			"%s %s localhost:%d, where service %q is published on the Compose host (the address a browser there used); "+
				"in the cluster browsers reach %q %s: where the value is the app's public address, write that %s",
			list, verb, port, to.svc, to.svc, to.at, to.what)
	}
}

// browsedOverHTTP reports whether a variable of the app names host port port on localhost in
// a plain http:// or ws:// URL (Planka's BASE_URL=http://localhost:3000, published as
// 3000:1337): what is published there speaks plain HTTP, so an Ingress can route it, whatever
// its number. An https:// URL says the container terminates TLS itself and decides nothing.
func (b *builder) browsedOverHTTP(port int32) bool {
	if b.httpHostPorts == nil {
		b.httpHostPorts = map[int32]bool{}
		for _, u := range b.localURLs() {
			if u.plain {
				b.httpHostPorts[u.port] = true
			}
		}
	}
	return b.httpHostPorts[port]
}

// localURLRef is one loopback URL port a variable names.
type localURLRef struct {
	namedURL
	port int32
	// plain: some URL at the port is http:// or ws://, not TLS
	plain bool
}

// localURLs are the loopback URL ports the app's browser variables name (browserVar), each
// variable's ports once, in input order; none for ECS. Scanned once per conversion: both the
// warning and the HTTP rule read them.
func (b *builder) localURLs() []localURLRef {
	if b.urlRefsDone {
		return b.urlRefs
	}
	b.urlRefsDone = true
	if b.app.Source == model.ECS {
		return nil
	}
	for _, s := range b.app.Services {
		for _, c := range s.Containers {
			for _, e := range c.Env {
				if !browserVar(e) {
					continue
				}
				for _, u := range localURLPorts(e.Value) {
					u.namedURL = namedURL{svc: s.Name, field: e.Field, name: e.Name}
					b.urlRefs = append(b.urlRefs, u)
				}
			}
		}
	}
	return b.urlRefs
}

// localURLPorts are the ports of the loopback URLs in value, each once, in order; plain says
// some URL at the port is http:// or ws://.
func localURLPorts(value string) []localURLRef {
	var out []localURLRef
	at := map[int32]int{}
	for _, m := range localURL().FindAllStringSubmatch(value, -1) {
		scheme := strings.ToLower(m[1])
		port := int32(80)
		if scheme == "https" || scheme == "wss" {
			port = 443
		}
		if m[2] != "" {
			n, err := strconv.Atoi(m[2])
			if err != nil || n <= 0 || n > 65535 {
				continue
			}
			port = int32(n)
		}
		plain := scheme == "http" || scheme == "ws"
		if i, ok := at[port]; ok {
			out[i].plain = out[i].plain || plain
			continue
		}
		at[port] = len(out)
		out = append(out, localURLRef{port: port, plain: plain})
	}
	return out
}

// publicAddrs maps each host port a service publishes to where browsers reach it in the
// cluster: the host of its Ingress (or HTTPRoute), else its LoadBalancer or NodePort Service.
// The first service to publish a port wins, as on a Compose host only one can.
func (b *builder) publicAddrs() map[int32]publicAddr {
	scheme := "http"
	if b.opts.TLSSecret != "" || b.opts.ClusterIssuer != "" || b.opts.TLSCertARN != "" {
		scheme = "https"
	}
	out := map[int32]publicAddr{}
	add := func(p int32, a publicAddr) {
		if _, ok := out[p]; !ok {
			out[p] = a
		}
	}
	for _, s := range b.app.Services {
		pl := b.plans[s.Name]
		for i, lp := range pl.viaIngress {
			object := "Ingress/" + pl.Name
			if b.opts.Routing == RoutingGateway {
				object = "HTTPRoute/" + pl.Name
				if i > 0 {
					object = "HTTPRoute/" + b.extraName(pl.Name, "-"+lp.Name)
				}
			}
			for _, p := range lp.Published {
				add(p, publicAddr{svc: s.Name, at: fmt.Sprintf("at host %s over %s (%s)", b.host(pl, lp, i), scheme, object), what: "host"})
			}
		}
		mode, _ := b.exposeMode(pl)
		for _, lp := range pl.viaLB {
			if lp.Protocol != corev1.ProtocolTCP {
				continue // a URL names a TCP port
			}
			at := "at the address of its LoadBalancer, Service/" + b.extraName(pl.Name, "-public") + " (known once applied)"
			if mode == ExposeNodePort {
				at = "at a node's address, on the node port of Service/" + b.extraName(pl.Name, "-public")
			}
			for _, p := range lp.Published {
				add(p, publicAddr{svc: s.Name, at: at, what: "address"})
			}
		}
	}
	return out
}
