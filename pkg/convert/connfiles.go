package convert

import (
	"path"
	"regexp"
	"strings"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
)

// connfiles.go reads the addresses a mounted configuration file makes its container dial:
// nginx (proxy_pass, fastcgi_pass, grpc_pass, upstream server lines; a pass through a variable
// takes the value a `set` statement gives it), Caddy (reverse_proxy,
// php_fastcgi), HAProxy (server lines) and, in YAML/TOML/JSON/INI files (Traefik, Prometheus,
// Grafana data sources, OpenTelemetry Collector, ...), the values of address-like keys (url,
// endpoint, targets, address, host, brokers, servers). Other text is not read: a free-form
// scan of every file would find "addresses" in comments and documentation.

// fileAddr is an address found in a file, with the line it is on (1-based).
type fileAddr struct {
	connaddr.Addr
	Line int
}

var (
	// nginx patterns match one statement (text between ; { and })
	nginxPass     = lazyRegexp(`^\s*(?:proxy_pass|fastcgi_pass|uwsgi_pass|scgi_pass|grpc_pass|memcached_pass)\s+(\S+)`)
	nginxUpstream = lazyRegexp(`^\s*upstream\s+([A-Za-z0-9_.-]+)\s*$`)
	nginxServer   = lazyRegexp(`^\s*server\s+(\S+)`)
	nginxSet      = lazyRegexp(`^\s*set\s+\$([A-Za-z0-9_]+)\s+(\S+)\s*$`)
	nginxVar      = lazyRegexp(`\$\{?([A-Za-z0-9_]+)\}?`)
	caddyProxy    = lazyRegexp(`^\s*(?:reverse_proxy|php_fastcgi)\s+(.*?)\s*\{?\s*$`)
	haproxyServer = lazyRegexp(`^\s*(?:server|default-server)\s+\S+\s+([^\s]+)`)
	// addressKey matches lines of structured config files whose key names an address.
	addressKey = lazyRegexp(`(?i)^\s*[-"']?\s*["']?([a-z_]*(?:url|urls|endpoint|endpoints|targets|target|address|addresses|addr|host|hosts|brokers|servers|server|uri|dsn))["']?\s*[:=]`)
)

// fileKind is how a configuration file is read, by its name or target path.
func fileKind(name string) string {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	switch {
	case strings.Contains(base, "caddyfile") || ext == ".caddy":
		return "caddy"
	case strings.Contains(base, "haproxy") && (ext == ".cfg" || ext == ".conf"):
		return "haproxy"
	case strings.Contains(name, "nginx") || strings.Contains(base, "nginx") || ext == ".conf" && !strings.Contains(base, "redis") ||
		strings.HasSuffix(base, ".conf.template"):
		return "nginx"
	case ext == ".yml" || ext == ".yaml" || ext == ".toml" || ext == ".json" || ext == ".ini" || ext == ".cfg":
		return "keyed"
	}
	return ""
}

// fileAddrs returns the addresses a configuration file dials. name is the file's path in the
// container (it decides the format); comments are skipped. upstreams are the nginx upstream
// names of every file mounted into the same container (nginxUpstreams; nil: this file's): a
// pass to one of them (proxy_pass http://web) names the block, not a host, while the server
// lines inside the block (server web:8000) are dials whatever their host is called.
func fileAddrs(name string, content []byte, upstreams map[string]bool) []fileAddr {
	kind := fileKind(name)
	if kind == "" {
		return nil
	}
	text := string(content)
	vars := map[string]string{} // nginx set $name value
	if kind == "nginx" {
		if upstreams == nil {
			upstreams = map[string]bool{}
			nginxUpstreams(name, content, upstreams)
		}
		for _, line := range strings.Split(text, "\n") {
			for _, st := range nginxStatements(line) {
				if m := nginxSet().FindStringSubmatch(st); m != nil {
					vars[m[1]] = strings.Trim(m[2], `"'`)
				}
			}
		}
	}
	var out []fileAddr
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") || strings.HasPrefix(t, ";") {
			continue
		}
		for _, a := range lineAddrs(kind, line, vars, upstreams) {
			if !strings.Contains(a.Host, "$") {
				out = append(out, fileAddr{Addr: a, Line: i + 1})
			}
		}
	}
	return out
}

// nginxUpstreams adds the names of the upstream blocks an nginx file defines to names (a file
// of another kind defines none).
func nginxUpstreams(name string, content []byte, names map[string]bool) {
	if fileKind(name) != "nginx" {
		return
	}
	for _, line := range strings.Split(string(content), "\n") {
		for _, st := range nginxStatements(line) {
			if m := nginxUpstream().FindStringSubmatch(st); m != nil {
				names[strings.ToLower(m[1])] = true
			}
		}
	}
}

// lineAddrs returns the addresses on one line of a file of kind; vars are the values nginx
// set statements give variables, upstreams the names of nginx upstream blocks.
func lineAddrs(kind, line string, vars map[string]string, upstreams map[string]bool) []connaddr.Addr {
	switch kind {
	case "nginx":
		var out []connaddr.Addr
		for _, st := range nginxStatements(line) {
			if m := first(nginxPass(), st); m != "" {
				for _, a := range valueAddrs(nginxExpand(m, vars), 80) {
					if !upstreams[strings.ToLower(a.Host)] {
						out = append(out, a)
					}
				}
			} else if m := first(nginxServer(), st); m != "" && !strings.HasPrefix(m, "unix:") {
				out = append(out, valueAddrs(m, 80)...)
			}
		}
		return out
	case "caddy":
		if m := first(caddyProxy(), line); m != "" {
			var out []connaddr.Addr
			for _, w := range strings.Fields(m) {
				if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "/") || strings.HasPrefix(w, "*") {
					continue // a matcher
				}
				out = append(out, valueAddrs(w, 80)...)
			}
			return out
		}
	case "haproxy":
		if m := first(haproxyServer(), line); m != "" {
			return valueAddrs(m, 0)
		}
	case "keyed":
		if addressKey().MatchString(line) {
			_, v, _ := strings.Cut(line, ":")
			if k := strings.Index(line, "="); k >= 0 && (!strings.Contains(line, ":") || k < strings.Index(line, ":")) {
				v = line[k+1:]
			}
			return connaddr.In(v)
		}
	}
	return nil
}

// nginxExpand replaces the variables of an nginx value that set statements define
// (`set $api "http://api:3000"; proxy_pass $api$request_uri;`, nginx's way to start before
// its upstreams resolve) and cuts the value at the first variable left (the request's URI, or a
// host only known per request: `http://$host` names no address).
func nginxExpand(v string, vars map[string]string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	v = nginxVar().ReplaceAllStringFunc(v, func(ref string) string {
		if val, ok := vars[nginxVar().FindStringSubmatch(ref)[1]]; ok && !strings.Contains(val, "$") {
			return val
		}
		return ref
	})
	v, _, _ = strings.Cut(v, "$")
	return v
}

// nginxStatements splits a line of nginx configuration into statements, dropping a comment.
func nginxStatements(line string) []string {
	if i := strings.Index(line, "#"); i >= 0 {
		line = line[:i]
	}
	return strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == '{' || r == '}' })
}

// valueAddrs reads one directive value: a URL, host:port, or a bare host (on port def).
func valueAddrs(v string, def int32) []connaddr.Addr {
	if a := connaddr.In(v); len(a) > 0 {
		return a
	}
	v = strings.Trim(v, `"'`)
	if connaddr.HostLike(v) && connaddr.Dialable(v) && def > 0 {
		return []connaddr.Addr{{Host: v, Port: def}}
	}
	return nil
}

// first returns the first submatch of re in s, or "".
func first(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
