package convert

import (
	"regexp"
	"strings"
)

// dockerdns.go: 127.0.0.11 is the address of Docker's embedded DNS server, which configuration
// files name where a program resolves names itself (nginx `resolver 127.0.0.11`, so that
// proxy_pass through a variable or an upstream `server ... resolve` is looked up per request;
// HAProxy `nameserver dns 127.0.0.11:53`), and environment variables and arguments hand to an
// image that writes such a file at start (RESOLVER=127.0.0.11 for an nginx template). No pod has
// that server, so those lookups fail and every request through them does; berth cannot pick the
// replacement (the cluster DNS Service's address differs by cluster), so it warns where the
// address is: the file's line, the variable, the command.

// dockerDNS matches 127.0.0.11 as a whole address (not 127.0.0.110).
var dockerDNS = lazyRegexp(`(^|[^0-9.])127\.0\.0\.11($|[^0-9])`)

// dockerDNSAdvice ends each warning: why it fails in the cluster and what to write instead.
const dockerDNSAdvice = "Docker's embedded DNS server, which no pod has: names looked up through it " +
	"(an nginx resolver, an HAProxy nameserver) do not resolve in the cluster; use the cluster DNS " +
	"Service's address (kubectl -n kube-system get service kube-dns) and full names " +
	"(SERVICE.NAMESPACE.svc.cluster.local: such resolvers ignore the search domains)"

// warnDockerDNS warns for each mounted configuration file, environment variable and command
// that names Docker's DNS server. A variable's value is not repeated (it may be a Secret's).
func (b *builder) warnDockerDNS() {
	re := dockerDNS()
	for _, s := range b.app.Services {
		for ci := range s.Containers {
			c := &s.Containers[ci]
			b.eachFile(c, func(target, field, _ string, content []byte) {
				if line := dockerDNSLine(content); line > 0 {
					b.ledger.Breakf(s.Name, field, "%s line %d names 127.0.0.11, %s", target, line, dockerDNSAdvice)
				}
			})
			for _, e := range c.Env {
				if !e.Unset && e.From == nil && namesDockerDNS(re, e.Value) {
					b.ledger.Breakf(s.Name, e.Field, "environment variable %s names 127.0.0.11, %s", e.Name, dockerDNSAdvice)
				}
			}
			for _, a := range append(append([]string(nil), c.Command...), c.Args...) {
				if namesDockerDNS(re, a) {
					b.ledger.Breakf(s.Name, commandField(c), "the command names 127.0.0.11, %s", dockerDNSAdvice)
					break
				}
			}
		}
	}
}

// namesDockerDNS reports whether s names 127.0.0.11 as a whole address; the substring test
// first keeps the regexp off the thousands of values that cannot match (20 000 short values:
// 6.9 ms with the regexp alone, 0.2 ms with the test first).
func namesDockerDNS(re *regexp.Regexp, s string) bool {
	return strings.Contains(s, "127.0.0.11") && re.MatchString(s)
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
