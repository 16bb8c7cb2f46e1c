package convert

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
)

// healthURL.go reads the HTTP endpoint out of a healthcheck that is a plain curl or wget of a
// local URL (`curl -f http://localhost:8080/healthz`, `wget -q --spider http://127.0.0.1/health`,
// `curl -fsS localhost:8000/health || exit 1`), so load balancers can check the same path.
// Probes keep running the command itself (probe.go): it runs inside the container from
// localhost exactly as in Compose, while a load balancer or an httpGet probe connects to the
// pod IP, which an endpoint bound to or allowing only 127.0.0.1 refuses.

// httpHealth is the HTTP endpoint a healthcheck requests.
type httpHealth struct {
	Port int32
	// Path starts with "/"; the query string is left out (load balancers take a path).
	Path string
}

// takesValue reports whether a curl or wget option takes a separate value argument, which
// must not be mistaken for the URL.
func takesValue(opt string) bool {
	switch opt {
	case "-H", "--header", "-o", "--output", "-w", "--write-out", "-u", "--user", "-m", "--max-time",
		"--connect-timeout", "-A", "--user-agent", "--retry", "-O", "-T", "-U", "-t", "--tries", "--timeout",
		"-e", "--referer", "-r", "--range":
		return true
	}
	return false
}

// healthEndpoint returns the HTTP endpoint of healthcheck h, ok false when h is not a plain GET
// of a local http URL by curl or wget.
func healthEndpoint(h *model.Health) (httpHealth, bool) {
	if h == nil || len(h.Command) == 0 || (h.Type != model.HealthExec && h.Type != model.HealthShell) {
		return httpHealth{}, false
	}
	argv := h.Command
	if h.Type == model.HealthShell {
		argv = firstCommand(h.Command[0])
	}
	if len(argv) < 2 {
		return httpHealth{}, false
	}
	tool := path.Base(argv[0])
	if tool != "curl" && tool != "wget" {
		return httpHealth{}, false
	}
	var target string
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "-X" || a == "--request":
			if i+1 < len(argv) && !strings.EqualFold(argv[i+1], "GET") {
				return httpHealth{}, false
			}
			i++
		case strings.HasPrefix(a, "-d") || strings.HasPrefix(a, "--data") || strings.HasPrefix(a, "--post"):
			return httpHealth{}, false
		case takesValue(a):
			i++
		case strings.HasPrefix(a, "-"):
		case target == "":
			target = a
		default:
			return httpHealth{}, false // several URLs
		}
	}
	return parseHealthURL(target)
}

// firstCommand splits the first command of a shell line into words: what runs before `||`
// (typically `|| exit 1`) or `;`. A line with pipes, `&&`, substitutions or variables is not a
// plain request: nil.
func firstCommand(line string) []string {
	if i := strings.Index(line, "||"); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	if strings.ContainsAny(line, "|&;$`<>()") {
		return nil
	}
	var words []string
	for _, w := range strings.Fields(line) {
		words = append(words, strings.Trim(w, `"'`))
	}
	return words
}

// parseHealthURL parses a local http URL; the scheme may be left out, as curl and wget allow.
func parseHealthURL(s string) (httpHealth, bool) {
	if s == "" {
		return httpHealth{}, false
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" || !connaddr.Local(u.Hostname()) || u.User != nil {
		return httpHealth{}, false
	}
	port := int64(80)
	if p := u.Port(); p != "" {
		if port, err = strconv.ParseInt(p, 10, 32); err != nil || port < 1 || port > 65535 {
			return httpHealth{}, false
		}
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return httpHealth{Port: int32(port), Path: p}, true
}

// healthCheck is the load balancer health check of a service reached on container port port:
// x-berth.healthPath, else the path of its healthcheck when that is a plain HTTP request to a
// port the service listens on. hcPort is that port when it is not port itself ("" otherwise,
// the load balancer's traffic port); from tells where the path came from, for the ledger.
func (b *builder) healthCheck(pl *plan, port int32) (hcPath, hcPort, from string) {
	if h := pl.Svc.Options.HealthPath; h != "" {
		return h, "", pl.Svc.Field + ".x-berth.healthPath"
	}
	ci := 0
	for _, lp := range pl.Ports {
		if lp.Port == port {
			ci = lp.Container
		}
	}
	if ci >= len(pl.Svc.Containers) {
		return "", "", ""
	}
	h := pl.Svc.Containers[ci].Health
	e, ok := healthEndpoint(h)
	if !ok {
		return "", "", ""
	}
	for _, lp := range pl.Ports {
		if lp.Port == e.Port && lp.Protocol == "TCP" {
			if e.Port != port {
				hcPort = strconv.Itoa(int(e.Port))
			}
			return e.Path, hcPort, h.Field
		}
	}
	// A port the service does not declare is likely bound to localhost only: not reachable by
	// the load balancer.
	return "", "", ""
}
