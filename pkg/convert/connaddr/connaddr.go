// Package connaddr finds the network addresses in one value: URLs and DSNs (postgres://u@db:5432/x,
// redis://cache, amqp://mq, PLAINTEXT://kafka:9092,kafka2:9092), bare host:port pairs
// (kafka:9092), and the -h HOST -p PORT flags of database clients. It only reads host and port:
// the rest of a value (a password in a DSN) never leaves these functions.
//
// It is its own package, importing nothing of berth's, so that its fuzz target (FuzzConnAddr)
// runs in a small test binary: Go's fuzzer scans every coverage counter of the binary after each
// input, and pkg/convert links the Kubernetes API types.
package connaddr

import (
	"net"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Addr is one address found in a value. Port 0: the value names the host only.
type Addr struct {
	Host string
	Port int32
}

// schemePorts are the default ports of URL schemes whose clients connect to a fixed port when
// the URL leaves it out.
var schemePorts = map[string]int32{
	"http": 80, "https": 443, "ws": 80, "wss": 443,
	"postgres": 5432, "postgresql": 5432, "mysql": 3306, "mariadb": 3306,
	"redis": 6379, "rediss": 6379, "valkey": 6379, "amqp": 5672, "amqps": 5671,
	"mongodb": 27017, "nats": 4222, "memcached": 11211, "mqtt": 1883, "ldap": 389, "ldaps": 636,
	"smtp": 25, "ftp": 21, "clickhouse": 9000, "cassandra": 9042, "neo4j": 7687, "bolt": 7687,
}

// bareHostPort finds host:port pairs outside URLs. The pair must stand on its own: preceded by
// the start or a separator and followed by the end, a path, a list separator or a quote, so
// "user:5432pass" or "12:30:00" are not addresses.
var bareHostPort = lazyRegexp(`(?:^|[\s=,;"'(\[@/])([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]{1,5})(?:$|[\s/,;"')\]])`)

// localSchemes name no network peer: file://profiles is a path, s3://bucket and gs://bucket a
// bucket of a storage API whose endpoint is set elsewhere. Their "host" is never dialed.
var localSchemes = map[string]bool{"file": true, "s3": true, "s3a": true, "gs": true, "gcs": true, "az": true, "azblob": true, "unix": true}

// urlStart finds the start of URLs: scheme://.
var urlStart = lazyRegexp(`([A-Za-z][A-Za-z0-9+._-]*)://`)

// In returns the addresses value names, in order of appearance, without duplicates.
func In(value string) []Addr {
	var out []Addr
	seen := map[Addr]bool{}
	add := func(a Addr) {
		if a.Host != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	rest := []byte(value)
	for _, m := range urlStart().FindAllStringSubmatchIndex(value, -1) {
		scheme := strings.ToLower(value[m[2]:m[3]])
		end := m[1] + strings.IndexFunc(value[m[1]:]+" ", func(r rune) bool { return strings.ContainsRune("/?#\"' \t\n<>()[]{}|", r) })
		// mysql://u@tcp(db:3306)/x: the bare scan reads it; a local scheme's host is never dialed
		if !localSchemes[scheme] && (end >= len(value) || value[end] != '(') {
			for _, a := range authority(scheme, value[m[1]:end]) {
				add(a)
			}
		}
		for i := m[0]; i < end; i++ {
			rest[i] = ' ' // the bare scan must not see URL parts (user:password@)
		}
	}
	for _, m := range bareHostPort().FindAllStringSubmatch(string(rest), -1) {
		if n, err := strconv.Atoi(m[2]); err == nil && n > 0 && n < 65536 {
			add(Addr{Host: m[1], Port: int32(n)})
		}
	}
	return out
}

// authority parses the authority of a URL: [userinfo@]host[:port][,host[:port]...]. An element
// ending in ':' is the scheme of the next URL in a list (PLAINTEXT://a:1,SSL://b:2).
func authority(scheme, s string) []Addr {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	var out []Addr
	for _, el := range strings.Split(s, ",") {
		if el == "" || strings.HasSuffix(el, ":") || strings.HasPrefix(el, "[") {
			continue
		}
		host, port, found := strings.Cut(el, ":")
		a := Addr{Host: host, Port: schemePorts[scheme]}
		if found {
			n, err := strconv.Atoi(port)
			if err != nil || n < 1 || n > 65535 {
				continue
			}
			a.Port = int32(n)
		}
		if HostLike(host) {
			out = append(out, a)
		}
	}
	return out
}

// HostLike reports whether s can be a host name or an IPv4 address as written in a value.
func HostLike(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Dialable reports whether host is a name berth should resolve among the app's services: not
// the container itself, not an IP address, not a variable left in place, starting with a letter.
func Dialable(host string) bool {
	if Local(host) || net.ParseIP(host) != nil || host == "" {
		return false
	}
	c := host[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// SingleLabel reports whether host has no dot: a name only a local resolver (Compose's DNS, a
// Kubernetes Service) can answer. Dotted names are usually public (api.stripe.com) and are
// only checked when the app itself serves them (a network alias).
func SingleLabel(host string) bool { return !strings.Contains(strings.TrimSuffix(host, "."), ".") }

// notHostWords are values of *_HOST variables that are settings, not host names.
var notHostWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "none": true, "auto": true, "on": true, "off": true,
	"enabled": true, "disabled": true, "default": true, "any": true, "all": true, "null": true, "nil": true,
	"unix": true, "socket": true, "disable": true, "enable": true, "internal": true, "external": true,
}

// hostVarSuffixes name variables that hold the host a client dials; the port, if any, is in
// the variable with the same prefix and PORT (DB_HOST + DB_PORT, PGHOST + PGPORT).
var hostVarSuffixes = []struct{ suffix, port string }{
	{"_HOSTNAME", "_PORT"}, {"_ADDRESS", "_PORT"}, {"_ADDR", "_PORT"}, {"_SERVER", "_PORT"}, {"HOST", "PORT"},
}

// notDialWords start the words (between '_') of variables that describe the container's own
// listener or its public face rather than an address it dials.
// VHOST is a virtual host's name (RabbitMQ's RABBITMQ_DEFAULT_VHOST=taiga), never a peer.
var notDialWords = []string{"LISTEN", "BIND", "ALLOWED", "TRUSTED", "PUBLIC", "EXTERNAL", "VIRTUAL", "ADVERTISE",
	"CALLBACK", "REDIRECT", "ORIGIN", "CORS", "COOKIE", "DOMAIN", "WEBHOOK", "VHOST"}

// NotDialVar reports whether a variable describes the container's own listener or its public
// face (KAFKA_LISTENERS, VIRTUAL_HOST, APP_BASE_URL) rather than an address it dials.
func NotDialVar(name string) bool {
	n := strings.ToUpper(name)
	if n == "HOSTNAME" {
		return true
	}
	words := strings.Split(n, "_")
	for i, w := range words {
		for _, p := range notDialWords {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
		if w == "URL" && i > 0 && (words[i-1] == "BASE" || words[i-1] == "SITE" || words[i-1] == "ROOT") {
			return true
		}
	}
	return false
}

// ListenVar reports whether a variable configures the container's own listeners.
func ListenVar(name string) bool {
	for _, w := range strings.Split(strings.ToUpper(name), "_") {
		if strings.HasPrefix(w, "LISTEN") || strings.HasPrefix(w, "ADVERTISE") {
			return true
		}
	}
	return false
}

// HostVar splits a host variable's name into its port variable's name; ok false when name is
// not a host variable.
func HostVar(name string) (portVar string, ok bool) {
	n := strings.ToUpper(name)
	for _, s := range hostVarSuffixes {
		if strings.HasSuffix(n, s.suffix) && (s.suffix == "HOST" || len(n) > len(s.suffix)) {
			return name[:len(n)-len(s.suffix)] + s.port, true
		}
	}
	return "", false
}

// HostValue returns the host names in a host variable's value (one name, or a comma list
// without ports), nil when it is not such a value.
func HostValue(v string) []string {
	var out []string
	for _, h := range strings.Split(strings.TrimSpace(v), ",") {
		h = strings.TrimSpace(h)
		if !HostLike(h) || notHostWords[strings.ToLower(h)] || !Dialable(h) {
			return nil
		}
		out = append(out, h)
	}
	return out
}

// socatConnect and socatListen find socat's address specifications in commands (Ente's
// `socat TCP-LISTEN:3200,fork TCP:minio:3200`): TYPE:host:port connects to host:port; a
// *-LISTEN:port listens and names no host. Neither reads as a bare host:port.
var (
	socatConnect = lazyRegexp(`(?i)(?:^|[\s"'])(?:TCP[46]?|UDP[46]?|SCTP[46]?|OPENSSL|SSL|TCP[46]?-CONNECT|UDP[46]?-CONNECT|OPENSSL-CONNECT):([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]{1,5})`)
	socatListen  = lazyRegexp(`(?i)(?:^|[\s"'])[A-Z0-9]+-LISTEN:[0-9]{1,5}[^\s"']*`)
)

// InArgs returns the addresses an argv names: URLs and host:port anywhere, and the host and
// port flags of database clients (pg_isready -h db -p 5432, redis-cli -h cache, mysqladmin -h db
// -P 3306). curl and wget use -h/-H and -p for other things and are left to the URL scan.
func InArgs(argv []string) []Addr {
	var out []Addr
	for _, a := range argv {
		for _, m := range socatConnect().FindAllStringSubmatch(a, -1) {
			if n, err := strconv.Atoi(m[2]); err == nil && n > 0 && n < 65536 && HostLike(m[1]) {
				out = append(out, Addr{Host: m[1], Port: int32(n)})
			}
		}
		a = socatConnect().ReplaceAllString(a, " ")
		a = socatListen().ReplaceAllString(a, " ")
		out = append(out, In(a)...)
	}
	if len(argv) == 0 {
		return out
	}
	tool := path.Base(argv[0])
	if tool == "curl" || tool == "wget" || strings.HasPrefix(tool, "http") {
		return out
	}
	portFlag := "-p"
	if strings.HasPrefix(tool, "mysql") || strings.HasPrefix(tool, "mariadb") {
		portFlag = "-P"
	}
	host, port := "", int32(0)
	for i := 1; i < len(argv); i++ {
		flag, val, inline := strings.Cut(argv[i], "=")
		if !inline {
			if i+1 >= len(argv) {
				break
			}
			val = argv[i+1]
		}
		switch flag {
		case "-h", "--host", "--hostname":
			if HostLike(val) {
				host = val
			}
		case portFlag, "--port":
			if n, err := strconv.Atoi(val); err == nil && n > 0 && n < 65536 {
				port = int32(n)
			}
		}
	}
	if host != "" {
		out = append(out, Addr{Host: host, Port: port})
	}
	return out
}

// ShellCommands splits a shell line into its simple commands' argv (at ; | && ||), quotes
// removed from words.
func ShellCommands(line string) [][]string {
	var out [][]string
	for _, part := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(";|&\n", r) }) {
		var argv []string
		for _, w := range strings.Fields(part) {
			argv = append(argv, strings.Trim(w, `"'`))
		}
		if len(argv) > 0 {
			out = append(out, argv)
		}
	}
	return out
}

// Local reports whether host names the container itself.
func Local(host string) bool {
	switch host {
	case "localhost", "127.0.0.1", "0.0.0.0", "::1":
		return true
	}
	return false
}

// lazyRegexp compiles expr on first use, so that berth starts without compiling every pattern.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
