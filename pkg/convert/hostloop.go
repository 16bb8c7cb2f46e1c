package convert

import (
	"strconv"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
)

// hostloop.go: a service on the host's network (network_mode host, which berth does not carry
// into the cluster) reaches the other services through the ports they publish on the host,
// as localhost:PORT (SearXNG's Caddy: reverse_proxy localhost:8080, which searxng publishes
// on 127.0.0.1:8080). In its pod localhost is the pod itself, so berth names the service that
// published the port and the address to write instead. It does not rewrite "localhost": the
// same word names the pod itself elsewhere in the file.

// warnHostLoopback warns once per address when d dials a loopback port that another service
// publishes on the host, from a service whose host networking was dropped. It reports whether
// it warned.
func (b *builder) warnHostLoopback(d dial, warned map[string]bool) bool {
	if d.Health || d.Listen || d.addr.Port <= 0 || !connaddr.Local(d.addr.Host) ||
		d.From.NetworkMode != "host" || b.hostNetwork(d.From) {
		return false
	}
	to, target := b.hostPublisher(d.From, d.addr.Port)
	if to == nil {
		return false
	}
	key := d.From.Name + "\x00" + d.addr.Host + ":" + strconv.Itoa(int(d.addr.Port))
	if warned[key] {
		return true
	}
	warned[key] = true
	b.ledger.Warnf(d.From.Name, d.Field, "%s:%d reached the port service %q publishes on the host, as network_mode host allowed; "+
		"in the cluster %s is %s's own pod: change the address to %s:%d",
		d.addr.Host, d.addr.Port, to.Name, d.addr.Host, d.From.Name, b.name(to.Name), target)
	return true
}

// hostPublisher is the service other than from that publishes host port port, and the
// container port it forwards to.
func (b *builder) hostPublisher(from *model.Service, port int32) (*model.Service, int32) {
	want := strconv.Itoa(int(port))
	for _, s := range b.app.Services {
		if s == from {
			continue
		}
		for _, c := range s.Containers {
			for _, p := range c.Ports {
				if p.Published == want {
					return s, p.Target
				}
			}
		}
	}
	return nil, 0
}
