package convert

import (
	"regexp"
	"strings"
)

// dockerdns.go: 127.0.0.11 is the address of Docker's embedded DNS server, which configuration
// files name where a program resolves names itself (nginx `resolver 127.0.0.11`, so that
// proxy_pass through a variable or an upstream `server ... resolve` is looked up per request;
// HAProxy `nameserver dns 127.0.0.11:53`). No pod has that server, so those lookups fail and
// every request through them does; berth cannot pick the replacement (the cluster DNS
// Service's address differs by cluster), so it warns with the line.

// dockerDNS matches 127.0.0.11 as a whole address (not 127.0.0.110).
var dockerDNS = lazyRegexp(`(^|[^0-9.])127\.0\.0\.11($|[^0-9])`)

// warnDockerDNS warns for each mounted configuration file that names Docker's DNS server.
func (b *builder) warnDockerDNS() {
	for _, s := range b.app.Services {
		for ci := range s.Containers {
			b.eachFile(&s.Containers[ci], func(target, field, _ string, content []byte) {
				if line := dockerDNSLine(content); line > 0 {
					b.ledger.Warnf(s.Name, field, "%s line %d names 127.0.0.11, Docker's embedded DNS server, which no pod has: "+
						"names looked up through it (an nginx resolver, an HAProxy nameserver) do not resolve in the cluster; "+
						"use the cluster DNS Service's address (kubectl -n kube-system get service kube-dns) and full names "+
						"(SERVICE.NAMESPACE.svc.cluster.local: such resolvers ignore the search domains)", target, line)
				}
			})
		}
	}
}

// dockerDNSLine is the first line (1-based) of content that names 127.0.0.11 outside a
// comment, or 0.
func dockerDNSLine(content []byte) int {
	return firstLine(dockerDNS(), string(content))
}

// firstLine is the first line (1-based) re matches that is not a comment, or 0.
func firstLine(re *regexp.Regexp, text string) int {
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") || strings.HasPrefix(t, ";") {
			continue
		}
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}
