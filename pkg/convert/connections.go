package convert

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/convert/secretrule"
	"github.com/berth-dev/berth/pkg/model"
	"k8s.io/apimachinery/pkg/util/validation"
)

// connections.go is the connection audit: every address a container dials (environment
// values, command and args, healthchecks, mounted configuration files; see connaddr.go and
// connfiles.go) is resolved against the names Compose's DNS would answer (service names,
// network and link aliases, container_name, hostname). Resolved addresses tell which ports a
// service listens on (refs, ports.go) and which extra names need a Service (aliases,
// service.go); addresses that reach nothing become one warning each.

// Connection is one address a service dials, as the report draws it.
type Connection struct {
	// From is the dialing service.
	From string `json:"from"`
	// Address is host:port as written (host only when the port is unknown).
	Address string `json:"address"`
	// Field is the input field holding the address (a file's line is appended).
	Field string `json:"field"`
	// To is the service the address reaches; "" when it reaches none of the app's services.
	To string `json:"to,omitempty"`
	// Service is the Kubernetes Service answering the name ("" when none does).
	Service string `json:"service,omitempty"`
}

// dial is one address found in the input, before resolution.
type dial struct {
	From  *model.Service
	addr  connaddr.Addr
	Field string
	// Var is the environment variable holding the host, to name in a fix.
	Var string
	// Health: found in a healthcheck (a self-dial there becomes localhost in the probe).
	Health bool
	// File identifies the mounted file whose content holds the address (a bind mount's field
	// and file name, or a Compose config), "" elsewhere: berth can rewrite a name there
	// (rewrite.go).
	File string
	// Argv: found in a command or healthcheck's words, where key:value option syntax is common
	// (openssl -pkeyopt rsa_keygen_bits:4096), so a name there that is no host name is no dial.
	Argv bool
	// Listen: found in a variable that configures the container's own listeners
	// (KAFKA_LISTENERS=PLAINTEXT://kafka:9092): evidence of its ports when it names the
	// service itself, never a dial.
	Listen bool
}

// dnsName is what a name Compose serves resolves to, and how.
type dnsName struct {
	Svc *model.Service
	// Via is "service", "alias", "container_name" or "hostname".
	Via string
}

// connState is the audit's result, made in planAll before ports are decided.
type connState struct {
	dials  []dial
	names  map[string]dnsName
	served map[string][]string // service → container_name/hostname names that need a Service
	// health are ports a service's own healthcheck reaches on localhost.
	health map[string][]portRef
	out    []Connection
	// rewrites are the names to replace in a mounted file's content (dial.File → old → new).
	rewrites map[string]map[string]string
}

// servedNames maps every name Compose resolves (lower-cased) to its service. Service names
// win over aliases, aliases over container_name, container_name over hostname.
func (b *builder) servedNames() map[string]dnsName {
	out := map[string]dnsName{}
	add := func(name string, s *model.Service, via string) {
		if k := strings.ToLower(name); name != "" {
			if _, taken := out[k]; !taken {
				out[k] = dnsName{Svc: s, Via: via}
			}
		}
	}
	for _, s := range b.app.Services {
		add(s.Name, s, "service")
	}
	for _, s := range b.app.Services {
		add(b.name(s.Name), s, "service") // app_db's Service app-db (rewrite.go writes that name)
	}
	for _, s := range b.app.Services {
		for _, a := range s.Aliases {
			add(a, s, "alias")
		}
	}
	for _, s := range b.app.Services {
		add(s.ContainerName, s, "container_name")
	}
	for _, s := range b.app.Services {
		add(s.Hostname, s, "hostname")
	}
	return out
}

// collectDials finds every address of every container of the app.
func (b *builder) collectDials() []dial {
	var out []dial
	for _, s := range b.app.Services {
		for ci := range s.Containers {
			c := &s.Containers[ci]
			out = append(out, b.envDials(s, c)...)
			for _, a := range connaddr.InArgs(append(append([]string(nil), c.Command...), c.Args...)) {
				out = append(out, dial{From: s, addr: a, Field: commandField(c), Argv: true})
			}
			if h := c.Health; h != nil && h.Type != model.HealthNone {
				for _, argv := range healthArgvs(h) {
					for _, a := range connaddr.InArgs(argv) {
						out = append(out, dial{From: s, addr: a, Field: h.Field, Health: true, Argv: true})
					}
				}
			}
			out = append(out, b.fileDials(s, c)...)
		}
	}
	return out
}

// healthArgvs are the commands a healthcheck runs.
func healthArgvs(h *model.Health) [][]string {
	if len(h.Command) == 0 {
		return nil
	}
	if h.Type == model.HealthShell {
		return connaddr.ShellCommands(h.Command[0])
	}
	return [][]string{h.Command}
}

// envDials finds the addresses in a container's environment: in every value (only in URLs
// for values that belong in a Secret, whose other parts must not be read) and in host
// variables paired with their port variable (DB_HOST=db + DB_PORT=5432).
func (b *builder) envDials(s *model.Service, c *model.Container) []dial {
	var out []dial
	values := map[string]string{}
	for _, e := range c.Env {
		if !e.Unset && e.From == nil {
			values[strings.ToUpper(e.Name)] = e.Value
		}
	}
	for _, e := range c.Env {
		if e.Unset || e.From != nil {
			continue
		}
		if connaddr.NotDialVar(e.Name) {
			if connaddr.ListenVar(e.Name) {
				for _, a := range connaddr.In(e.Value) {
					out = append(out, dial{From: s, addr: a, Field: e.Field, Listen: true})
				}
			}
			continue
		}
		addrs := connaddr.In(e.Value)
		if secretrule.Env(s, e) && !strings.Contains(e.Value, "://") {
			addrs = nil
		}
		for _, a := range addrs {
			out = append(out, dial{From: s, addr: a, Field: e.Field})
		}
		portVar, ok := connaddr.HostVar(e.Name)
		if !ok || strings.ContainsAny(e.Value, ":/") {
			continue
		}
		port := int32(0)
		if n, err := strconv.Atoi(values[strings.ToUpper(portVar)]); err == nil && n > 0 && n < 65536 {
			port = int32(n)
		}
		for _, h := range connaddr.HostValue(e.Value) {
			out = append(out, dial{From: s, addr: connaddr.Addr{Host: h, Port: port}, Field: e.Field, Var: e.Name})
		}
	}
	return out
}

// fileDials finds the addresses in the configuration files mounted into c: bind-mounted files
// the loader read and Compose configs with content.
func (b *builder) fileDials(s *model.Service, c *model.Container) []dial {
	var out []dial
	upstreams := map[string]bool{} // nginx upstream blocks of every file the container reads
	b.eachFile(c, func(target, _, _ string, content []byte) { nginxUpstreams(target, content, upstreams) })
	b.eachFile(c, func(target, field, file string, content []byte) {
		for _, fa := range fileAddrs(target, content, upstreams) {
			out = append(out, dial{From: s, addr: fa.Addr, Field: fmt.Sprintf("%s (%s line %d)", field, target, fa.Line), File: file})
		}
	})
	return out
}

// eachFile calls scan with each configuration file mounted into c that berth read: its path in
// the container, the mount's field, its rewrite key and its content.
func (b *builder) eachFile(c *model.Container, scan func(target, field, key string, content []byte)) {
	for _, m := range c.Mounts {
		switch m.Type {
		case model.MountBind:
			for _, f := range m.Files {
				scan(path.Join(m.Target, f.Name), m.Field, fileKey(m, f), f.Content)
			}
		case model.MountConfig:
			for _, cfg := range b.app.Configs {
				if cfg.Name == m.Source && cfg.Loaded {
					target := m.Target
					if target == "" {
						target = "/" + cfg.Name
					}
					scan(target, m.Field, configKey(cfg.Name), cfg.Content)
				}
			}
		}
	}
}

// auditDials resolves the app's dials before ports are planned: it returns the ports each
// service is dialed on (refs) and fills b.conn.
func (b *builder) auditDials() map[string][]portRef {
	st := &connState{names: b.servedNames(), served: map[string][]string{}, health: map[string][]portRef{},
		rewrites: map[string]map[string]string{}}
	b.conn = st
	refs := map[string][]portRef{}
	seen := map[string]bool{}
	addRef := func(m map[string][]portRef, svc string, p int32, field string) {
		if key := svc + "\x00" + strconv.Itoa(int(p)); p > 0 && !seen[key] {
			seen[key] = true
			m[svc] = append(m[svc], portRef{Port: p, Field: field})
		}
	}
	loopback := map[string]bool{}
	for _, d := range b.collectDials() {
		if b.warnHostLoopback(d, loopback) {
			continue
		}
		if d.Health && connaddr.Local(d.addr.Host) {
			addRef(st.health, d.From.Name, d.addr.Port, d.Field)
			continue
		}
		if !connaddr.Dialable(d.addr.Host) || b.podLocal(d) {
			continue
		}
		n, ok := st.names[strings.ToLower(d.addr.Host)]
		if d.Listen {
			if ok && n.Svc == d.From {
				addRef(refs, n.Svc.Name, d.addr.Port, d.Field)
			}
			continue
		}
		if !ok && (!connaddr.SingleLabel(d.addr.Host) || b.externalProvider(d.addr.Host)) {
			continue // a public name, or a provider service's ExternalName Service: not the app's business
		}
		if !ok && d.Argv && strings.Contains(d.addr.Host, "_") {
			continue // a command's key:value option (rsa_keygen_bits:4096): host names have no '_'
		}
		if ok && d.Health && n.Svc == d.From {
			continue // probes dial localhost (probe.go)
		}
		st.dials = append(st.dials, d)
		if ok {
			addRef(refs, n.Svc.Name, d.addr.Port, d.Field)
		}
	}
	for _, r := range refs {
		sort.SliceStable(r, func(i, j int) bool { return r[i].Port < r[j].Port })
	}
	return refs
}

// podLocal reports whether d's host is a name the dialer's own pod answers: a link between
// containers of one pod (ECS links) becomes a hostAlias to 127.0.0.1 (ecs_pod.go).
func (b *builder) podLocal(d dial) bool {
	for _, l := range d.From.PodLinks {
		name, alias, _ := strings.Cut(l, ":")
		if strings.EqualFold(d.addr.Host, name) || strings.EqualFold(d.addr.Host, alias) {
			return true
		}
	}
	return false
}

// reportConnections checks every resolved dial against the planned Services, asks for the
// extra Services container_name and hostname need, and warns once per address that reaches
// nothing. It runs after planAll, before Services are built.
func (b *builder) reportConnections() {
	st := b.conn
	type unresolved struct {
		dialers []string
		first   dial
		fields  []string
	}
	bad := map[string]*unresolved{}
	var badOrder []string
	for _, d := range st.dials {
		address := d.addr.Host
		if d.addr.Port > 0 {
			address += ":" + strconv.Itoa(int(d.addr.Port))
		}
		c := Connection{From: d.From.Name, Address: address, Field: d.Field}
		n, ok := st.names[strings.ToLower(d.addr.Host)]
		problem := ""
		if ok {
			c.To = n.Svc.Name
			c.Service, problem = b.answering(d, n)
			if problem == notLabel && d.File != "" {
				c.Service, problem = b.rewriteName(d, n), ""
			}
			if c.Service != "" && len(b.plans[n.Svc.Name].Ports) == 0 {
				b.notePortless(n.Svc.Name, portlessUse{Service: d.From.Name, Field: d.Field, What: "dials it by name"})
				c.Service = ""
			}
		} else {
			problem = "no service, network alias, container_name or hostname of the app has this name"
		}
		st.out = append(st.out, c)
		if problem == "" {
			continue
		}
		if bad[address] == nil {
			bad[address] = &unresolved{first: d}
			badOrder = append(badOrder, address)
		}
		u := bad[address]
		u.dialers = append(u.dialers, d.From.Name+" ("+d.Field+")")
		u.fields = append(u.fields, d.Field)
		if u.first.Var == "" && d.Var != "" {
			u.first.Var = d.Var
		}
	}
	for _, address := range badOrder {
		u := bad[address]
		b.ledger.Breakf(u.first.From.Name, u.first.Field, "address %s will not resolve in the cluster: %s; dialed by %s; %s",
			address, b.badReason(u.first), strings.Join(distinct(u.dialers), ", "), b.fix(u.first, distinct(u.fields)))
	}

}

// answering returns the Service that answers d's host, resolved to n, or "" and why none
// does. A container_name or hostname gets its own Service (recorded in st.served).
func (b *builder) answering(d dial, n dnsName) (string, string) {
	host := strings.ToLower(d.addr.Host)
	main := b.name(n.Svc.Name)
	if host == main {
		return main, ""
	}
	if len(validation.IsDNS1035Label(host)) > 0 {
		return "", notLabel
	}
	if n.Via == "container_name" || n.Via == "hostname" {
		if !slices.Contains(b.conn.served[n.Svc.Name], host) {
			b.conn.served[n.Svc.Name] = append(b.conn.served[n.Svc.Name], host)
		}
	}
	if n.Via == "service" {
		return "", "the service's Service is named " + main
	}
	return host, ""
}

// notLabel is why a name Compose serves cannot be a Service's.
const notLabel = "not a valid Service name (a DNS label: lower-case letters, digits, '-')"

// badReason says why d's address does not resolve.
func (b *builder) badReason(d dial) string {
	n, ok := b.conn.names[strings.ToLower(d.addr.Host)]
	if !ok {
		return "no service, network alias, container_name or hostname of the app is named " + d.addr.Host
	}
	if _, why := b.answering(d, n); why != "" {
		return fmt.Sprintf("%q (%s of %s) is %s", d.addr.Host, n.Via, n.Svc.Name, why)
	}
	return ""
}

// fix says what to change for the address d (and the other dialers' fields) dials to resolve.
// A name the input wrote as a Compose variable is fixed by setting the variable where the
// fields read it, by editing the value where they name the host literally.
func (b *builder) fix(d dial, fields []string) string {
	n, ok := b.conn.names[strings.ToLower(d.addr.Host)]
	if !ok {
		return "add the service it names (or a network alias on the service that answers), or change the value"
	}
	want := b.name(n.Svc.Name)
	if d.Var != "" {
		return fmt.Sprintf("set %s=%s", d.Var, want)
	}
	v := b.nameVar(n.Svc, d.addr.Host)
	var reading, literal []string
	for _, f := range fields {
		if v != "" && b.readsVar(f, v) {
			reading = append(reading, f)
		} else {
			literal = append(literal, f)
		}
	}
	var out []string
	if len(reading) > 0 {
		out = append(out, fmt.Sprintf("set %s=%s (in .env or the environment): ${%s} names both the %s of %s and the address in %s",
			v, want, v, n.Via, n.Svc.Name, strings.Join(reading, ", ")))
	}
	if len(literal) > 0 {
		out = append(out, fmt.Sprintf("use the host name %s in %s", want, strings.Join(literal, ", ")))
	}
	return strings.Join(out, "; ")
}

// nameVar returns the Compose variable the input wrote svc's DNS name name as
// (hostname: ${CHAT_HOST:-chat.example.internal}), or "".
func (b *builder) nameVar(svc *model.Service, name string) string {
	for _, kv := range svc.NameVars {
		if strings.EqualFold(kv.Key, name) {
			return kv.Value
		}
	}
	return ""
}

// readsVar reports whether the input value at field (or inside it) references variable v.
func (b *builder) readsVar(field, v string) bool {
	for _, r := range b.app.VarRefs {
		if r.Var == v && (r.Field == field || strings.HasPrefix(r.Field, field+"[") || strings.HasPrefix(r.Field, field+".")) {
			return true
		}
	}
	return false
}

// servedAliases are the extra names of svc that need a Service: its aliases, and the
// container_name or hostname other services dial.
func (b *builder) servedAliases(svc *model.Service) []string {
	out := append([]string(nil), svc.Aliases...)
	if b.conn != nil {
		for _, n := range b.conn.served[svc.Name] {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// Connections returns the audit's connections, sorted by dialer, address and field.
func (b *builder) connections() []Connection {
	if b.conn == nil {
		return nil
	}
	out := append([]Connection(nil), b.conn.out...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// distinct returns the distinct values of s in first-seen order.
func distinct(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
