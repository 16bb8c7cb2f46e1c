package convert

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// probeself.go: a healthcheck that dials its own service by name (`curl -f http://files:9333/`
// inside files) works in Compose, where the name resolves to the container from the start. In
// Kubernetes the name is the Service, which routes to the pod only once it is Ready: the probe
// that decides readiness would wait for itself. Such probes dial localhost instead.

// selfNames are the names a healthcheck of svc may use for itself: the service name, its
// Service name, aliases, container_name and hostname, longest first (so a longer name is
// replaced before a name it contains).
func (b *builder) selfNames(svc *model.Service) []string {
	var out []string
	for _, n := range append([]string{svc.Name, b.name(svc.Name), svc.ContainerName, svc.Hostname}, svc.Aliases...) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// selfHost matches name as the host of a URL (://name, @name), of a host:port pair (the port
// is required: a bare word may be a process name, `pgrep worker`), or as the value of a host
// flag (-h name, --host name, --host=name).
func selfHost(name string) []*regexp.Regexp {
	q := regexp.QuoteMeta(name)
	end := `(?:$|[\s/?'";])`
	return []*regexp.Regexp{
		regexp.MustCompile(`(?i)(://|@)` + q + `((?::[0-9]+)?` + end + `)`),
		regexp.MustCompile(`(?i)(^|[\s='",])` + q + `(:[0-9]+` + end + `)`),
		regexp.MustCompile(`(?i)((?:^|\s)(?:-h|--host|--hostname)(?:\s+|=))` + q + `($|[\s'";])`),
	}
}

// localProbe rewrites, in a healthcheck command, the addresses that name the service itself to
// localhost. It returns the command and whether it changed.
func localProbe(argv []string, names []string) ([]string, bool) {
	changed := false
	out := append([]string(nil), argv...)
	for _, n := range names {
		if !mentions(out, n) {
			continue // compiling the patterns costs more than this scan
		}
		res := selfHost(n)
		for i, a := range out {
			// a host flag's value is a word of its own in an exec argv: the previous word is
			// checked too
			r := a
			for _, re := range res {
				r = replaceSelf(re, r)
			}
			if r == a && i > 0 && isHostFlag(out[i-1]) && strings.EqualFold(a, n) {
				r = "localhost"
			}
			if r != a {
				out[i], changed = r, true
			}
		}
	}
	return out, changed
}

// replaceSelf replaces every match of re in s, keeping what surrounds the host.
func replaceSelf(re *regexp.Regexp, s string) string {
	// ReplaceAll cannot see overlapping matches ("a:1 a:2" shares the blank): repeat until done
	for i := 0; i < 8; i++ {
		r := re.ReplaceAllString(s, "${1}localhost${2}")
		if r == s {
			return s
		}
		s = r
	}
	return s
}

// isHostFlag reports whether a word is a client's host flag.
func isHostFlag(w string) bool { return w == "-h" || w == "--host" || w == "--hostname" }

// mentions reports whether some word of argv contains name, ignoring case.
func mentions(argv []string, name string) bool {
	name = strings.ToLower(name)
	for _, a := range argv {
		if strings.Contains(strings.ToLower(a), name) {
			return true
		}
	}
	return false
}
