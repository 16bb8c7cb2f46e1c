package convert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// publicurl.go: a variable whose value is a URL on localhost at a port that a service publishes
// on the Compose host (NEXTAUTH_URL=http://localhost:3000, Postiz's MAIN_URL=http://localhost:4007)
// is the address a browser on that host used to reach the app: the app puts it in redirects,
// links, CORS origins and cookies. In the cluster browsers reach that service at its Ingress
// host, so berth warns, once per such address, naming the variables (never their values) and
// the host to write. It does not rewrite them: the same value can also be the container's own
// address, which localhost still is in its pod.

// localURL matches an http(s) or ws(s) URL on a loopback host, with its optional port.
var localURL = lazyRegexp(`(?i)\b(https?|wss?)://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d{1,5}))?(?:[/?#"'\s,;]|$)`)

// publicAddr is where browsers reach a published HTTP port in the cluster.
type publicAddr struct {
	svc, host, object string
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
	for _, s := range b.app.Services {
		for _, c := range s.Containers {
			for _, e := range c.Env {
				if e.Unset || e.From != nil {
					continue
				}
				for _, port := range localURLPorts(e.Value) {
					if _, ok := public[port]; !ok {
						continue
					}
					if len(byPort[port]) == 0 {
						ports = append(ports, port)
					}
					byPort[port] = append(byPort[port], namedURL{svc: s.Name, field: e.Field, name: e.Name})
				}
			}
		}
	}
	scheme := "http"
	if b.opts.TLSSecret != "" || b.opts.ClusterIssuer != "" || b.opts.TLSCertARN != "" {
		scheme = "https"
	}
	for _, port := range ports {
		vars, to := byPort[port], public[port]
		var names, services []string
		for _, v := range vars {
			if !slices.Contains(names, v.name) {
				names = append(names, v.name)
			}
			services = append(services, v.svc)
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
				"in the cluster browsers reach %q at host %s over %s (%s): where the value is the app's public address, write that host",
			list, verb, port, to.svc, to.svc, to.host, scheme, to.object)
	}
}

// localURLPorts are the ports of the loopback URLs in value, each once, in order.
func localURLPorts(value string) []int32 {
	var out []int32
	for _, m := range localURL().FindAllStringSubmatch(value, -1) {
		port := int32(80)
		if s := strings.ToLower(m[1]); s == "https" || s == "wss" {
			port = 443
		}
		if m[2] != "" {
			n, err := strconv.Atoi(m[2])
			if err != nil || n <= 0 || n > 65535 {
				continue
			}
			port = int32(n)
		}
		if !slices.Contains(out, port) {
			out = append(out, port)
		}
	}
	return out
}

// publicAddrs maps each host port published by a service that an Ingress (or HTTPRoute)
// routes to the host browsers use for it in the cluster. The first service to publish a port
// wins, as on a Compose host only one can.
func (b *builder) publicAddrs() map[int32]publicAddr {
	out := map[int32]publicAddr{}
	for _, s := range b.app.Services {
		pl := b.plans[s.Name]
		object := "Ingress/" + pl.Name
		if b.opts.Routing == RoutingGateway {
			object = "its HTTPRoute"
		}
		for i, lp := range pl.viaIngress {
			for _, p := range lp.Published {
				if _, ok := out[p]; !ok {
					out[p] = publicAddr{svc: s.Name, host: b.host(pl, lp, i), object: object}
				}
			}
		}
	}
	return out
}
