package convert

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// openstore.go: a data store that accepts connections without a password (Planka's postgres
// with POSTGRES_HOST_AUTH_METHOD=trust, a Redis without requirepass) was reachable under Compose
// only from the project's own networks. In the cluster, without NetworkPolicies, every pod of
// every namespace reaches its Service. berth keeps such a store as it is (its clients need no
// password) and says so once per app, naming the stores and --network-policies.

// openStoreWarning warns once about the app's data stores that take no password, when
// --network-policies is off.
func (b *builder) openStoreWarning() {
	if b.net != nil || b.app.Source == model.ECS {
		return
	}
	var open []string
	first, field := "", ""
	for _, s := range b.app.Services {
		pl := b.plans[s.Name]
		if pl == nil || len(pl.Ports) == 0 || !runsServer(*s.Main()) {
			continue
		}
		info, _, ok := b.containerImage(s.Main())
		if !ok {
			continue
		}
		why := noPassword(storeProtocol(info), s.Main())
		if why == "" {
			continue
		}
		open = append(open, fmt.Sprintf("%s (%s)", s.Name, why))
		if first == "" {
			first, field = s.Name, s.Field
		}
	}
	if len(open) == 0 {
		return
	}
	b.ledger.Warnf(first, field, "%s %s connections without a password: under Compose only the project's networks reached %s; "+
		"in the cluster every pod of every namespace can: pass --network-policies (on a cluster whose network plugin enforces them) "+
		"or give %s a password", strings.Join(open, ", "), plural(len(open), "accepts", "accept"),
		plural(len(open), "it", "them"), plural(len(open), "it", "them"))
}

// storeProtocol is the name of the data port of a stateful image in the table (postgres,
// mysql, mongodb, redis, memcache, ...).
func storeProtocol(info imageInfo) string {
	for _, p := range info.Ports {
		if p.Data {
			return p.Name
		}
	}
	return ""
}

// noPassword says why a store of the given protocol takes connections without a password, as
// the official images configure it; "" when it asks for one or berth cannot tell (a mounted
// configuration file, a password variable of another image's convention).
func noPassword(protocol string, c *model.Container) string {
	env := map[string]string{}
	for _, e := range c.Env {
		if !e.Unset {
			env[e.Name] = e.Value
		}
	}
	set := func(names ...string) bool {
		for _, n := range names {
			if env[n] != "" || env[n+"_FILE"] != "" {
				return true
			}
		}
		return false
	}
	argv := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
	switch protocol {
	case "postgres":
		if strings.EqualFold(env["POSTGRES_HOST_AUTH_METHOD"], "trust") {
			return "POSTGRES_HOST_AUTH_METHOD=trust"
		}
	case "mysql":
		if set("MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD") && !set("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD") {
			return "an empty root password allowed"
		}
	case "mongodb":
		if !set("MONGO_INITDB_ROOT_USERNAME") && !strings.Contains(argv, "--auth") && !strings.Contains(argv, "--keyFile") && !mountsFile(c) {
			return "no root user"
		}
	case "redis":
		if !strings.Contains(argv, "requirepass") && !strings.Contains(argv, "aclfile") && !mountsFile(c) && !passwordVar(env) {
			return "no requirepass"
		}
	case "memcache":
		if !strings.Contains(argv, "-S") && !strings.Contains(argv, "--enable-sasl") {
			return "memcached has no password"
		}
	}
	return ""
}

// mountsFile reports whether c mounts a file or config berth did not read as a password: a
// store's configuration may set one.
func mountsFile(c *model.Container) bool {
	for _, m := range c.Mounts {
		if m.Type == model.MountConfig || m.Type == model.MountSecret || m.Type == model.MountBind && len(m.Files) > 0 {
			return true
		}
	}
	return false
}

// passwordVar reports whether the container has a non-empty variable named like a password
// (bitnami's REDIS_PASSWORD, a wrapper's): the image may well ask for it.
func passwordVar(env map[string]string) bool {
	for k, v := range env {
		if v != "" && (strings.Contains(strings.ToUpper(k), "PASSWORD") || strings.Contains(strings.ToUpper(k), "PASS")) {
			return true
		}
	}
	return false
}
