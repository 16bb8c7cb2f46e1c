package convert

import (
	"fmt"
	"github.com/berth-dev/berth/pkg/model"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// safeSysctls are the sysctls Kubernetes 1.33 allows without kubelet configuration
// (pkg/kubelet/sysctl safe set); others need --allowed-unsafe-sysctls on every node.
func safeSysctl(name string) bool {
	switch name {
	case "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",
		"net.ipv4.tcp_wmem":
		return true
	}
	return false
}

// network maps the pod's name resolution and kernel settings: hostname, extra_hosts, dns,
// sysctls, and reports Docker networking modes Kubernetes does not have.
func (b *builder) network(p *pod) {
	svc := p.svc
	if svc.Hostname != "" {
		h := dnsLabel(svc.Hostname, maxLabel, "host")
		p.Spec.Hostname = h
		if h == svc.Hostname {
			b.mappedAt(svc.Name, svc.Paths.All(model.KeyHostname), p.target("hostname"))
		} else {
			b.partialAt(svc.Name, svc.Paths.All(model.KeyHostname), fmt.Sprintf("hostname %q is not a DNS label: set to %q%s", svc.Hostname, h, b.setVar(b.plans[svc.Name], svc.Hostname)), p.target("hostname"))
		}
	}
	if svc.Domainname != "" {
		b.droppedAt(svc.Name, svc.Paths.All(model.KeyDomainname),
			"domainname: a pod's domain is <subdomain>.<namespace>.svc.<cluster-domain>, set by Kubernetes")
	}
	b.hostAliases(p)
	b.dnsConfig(p)
	b.sysctls(p)
	if len(svc.Networks) > 0 && !b.accountServiceNetworks(p) {
		b.ignoredAt(svc.Name, svc.Paths.All(model.KeyNetworks),
			"all pods share one flat network and reach Services by name; --network-policies reproduces the isolation between Compose networks with NetworkPolicies")
	}
	b.namespaceModes(p)
}

// namespaceModes accounts Compose's network_mode, ipc and pid. ECS's networkMode, ipcMode and
// pidMode use the same words with other meanings (an ECS task is one pod whatever its mode, and
// host becomes hostNetwork), so this rule truly differs by format: taskPod and the ECS field
// table account them.
func (b *builder) namespaceModes(p *pod) {
	svc := p.svc
	if b.app.Source == model.ECS {
		return
	}
	if (svc.NetworkMode == "bridge" || svc.NetworkMode == "default") && b.net == nil {
		b.ledger.Ignored(svc.Name, svc.Paths.Of(model.KeyNetworkMode), "Docker's default bridge network: pods share the cluster network (--network-policies isolates it)")
	}
	for _, m := range []struct {
		name, val string
		key       model.Key
	}{{"network_mode", svc.NetworkMode, model.KeyNetworkMode}, {"ipc", svc.IPC, model.KeyIPC}, {"pid", svc.PID, model.KeyPID}} {
		if m.val != "" && m.val != "bridge" && m.val != "default" && m.val != "private" {
			b.droppedAt(svc.Name, svc.Paths.All(m.key), fmt.Sprintf(
				"%s %q is not converted: berth does not share host or container namespaces (containers of one service already share network and IPC)", m.name, m.val))
		}
	}
}

// hostAliases maps extra_hosts, grouped by IP and sorted. Docker's host-gateway has no
// Kubernetes equivalent.
func (b *builder) hostAliases(p *pod) {
	svc := p.svc
	byIP := map[string][]string{}
	for _, h := range svc.ExtraHosts {
		if h.IP == "host-gateway" || validation.IsValidIP(nil, h.IP) != nil {
			b.ledger.Dropped(svc.Name, h.Field, fmt.Sprintf(
				"extra host %s=%s: not an IP address (host-gateway has no Kubernetes equivalent; use a Service of type ExternalName or the node's IP)", strings.Join(h.Hostnames, ","), h.IP))
			continue
		}
		byIP[h.IP] = append(byIP[h.IP], h.Hostnames...)
		b.ledger.Mapped(svc.Name, h.Field, p.target("hostAliases"))
	}
	for _, ip := range sortedKeys(byIP) {
		names := byIP[ip]
		sort.Strings(names)
		p.Spec.HostAliases = append(p.Spec.HostAliases, corev1.HostAlias{IP: ip, Hostnames: dedupe(names)})
	}
}

// dnsConfig maps dns, dns_search and dns_opt. The cluster DNS stays first (dnsPolicy
// ClusterFirst): Docker's embedded DNS also keeps resolving service names when dns: is set,
// and dnsPolicy None would break every Service name. The given servers are appended.
func (b *builder) dnsConfig(p *pod) {
	svc := p.svc
	// `dns_search: ""` (Docker: no search domain) yields an empty entry, which Kubernetes
	// rejects; the cluster's own search domains stay in any case
	var searches []string
	for _, s := range svc.DNSSearch {
		if s != "" {
			searches = append(searches, s)
		}
	}
	if len(svc.DNSSearch) > 0 && len(searches) == 0 {
		b.droppedAt(svc.Name, svc.Paths.All(model.KeyDNSSearch), "an empty search domain adds nothing: the pod keeps the cluster's search domains")
	}
	if len(svc.DNS)+len(searches)+len(svc.DNSOptions) == 0 {
		return
	}
	cfg := &corev1.PodDNSConfig{Searches: searches}
	if len(svc.DNS) > 0 {
		servers := svc.DNS
		if len(servers) > 2 {
			servers = servers[:2]
			b.ledger.Warnf(svc.Name, svc.Paths.Of(model.KeyDNS), "only the first 2 dns servers are kept: Kubernetes allows 3 nameservers in total and the cluster DNS is one")
		}
		cfg.Nameservers = servers
		b.partialAt(svc.Name, svc.Paths.All(model.KeyDNS),
			"dns servers are added after the cluster DNS, which answers first (so service names keep resolving); to send external names to these servers, configure the cluster DNS (CoreDNS forward)",
			p.target("dnsConfig.nameservers"))
	}
	if len(searches) > 0 {
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyDNSSearch), p.target("dnsConfig.searches"))
	}
	for _, o := range svc.DNSOptions {
		name, val, has := strings.Cut(o, ":")
		opt := corev1.PodDNSConfigOption{Name: name}
		if has {
			opt.Value = &val
		}
		cfg.Options = append(cfg.Options, opt)
	}
	if len(svc.DNSOptions) > 0 {
		b.mappedAt(svc.Name, svc.Paths.All(model.KeyDNSOptions), p.target("dnsConfig.options"))
	}
	p.Spec.DNSConfig = cfg
}

// sysctls maps sysctls to the pod security context. Unsafe ones are kept (the input asks for
// them) with a warning: the kubelet refuses such pods unless it allows them.
func (b *builder) sysctls(p *pod) {
	svc := p.svc
	var out []corev1.Sysctl
	for _, kv := range svc.Sysctls {
		out = append(out, corev1.Sysctl{Name: kv.Key, Value: kv.Value})
		if safeSysctl(kv.Key) {
			b.ledger.Mapped(svc.Name, kv.Field, p.target("securityContext.sysctls"))
			continue
		}
		b.ledger.Partial(svc.Name, kv.Field, fmt.Sprintf(
			"sysctl %s is unsafe in Kubernetes: pods start only on nodes whose kubelet runs with --allowed-unsafe-sysctls=%s", kv.Key, kv.Key),
			p.target("securityContext.sysctls"))
	}
	if len(out) > 0 {
		if p.Spec.SecurityContext == nil {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		p.Spec.SecurityContext.Sysctls = out
	}
}

// dedupe removes adjacent duplicates from a sorted slice.
func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
