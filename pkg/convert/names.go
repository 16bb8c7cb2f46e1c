package convert

import (
	"sort"

	"github.com/berth-dev/berth/pkg/model"
	"strconv"
	"strings"
)

// maxName bounds object names. DNS-1035 labels allow 63 characters, but CronJob names must
// leave room for the Job suffix (52) and StatefulSet pod names for the ordinal, so berth uses
// 52 for every object of a service: one name per service, valid for any kind.
const maxName = 52

// maxLabel is the longest DNS-1035 label (container names).
const maxLabel = 63

// dnsLabel sanitizes s into a DNS-1035 label: lower-case letters, digits and '-', starting with
// a letter, ending with a letter or digit, at most max characters. Runs of invalid characters
// become one '-'. An input with nothing usable gives fallback; a leading digit gets the prefix
// fallback- (an empty fallback allows a leading digit, as port names do).
func dnsLabel(s string, max int, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := b.String()
	if out == "" {
		return fallback
	}
	if fallback != "" && (out[0] < 'a' || out[0] > 'z') {
		out = fallback + "-" + out
	}
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

// uniqueNames maps each input name to a sanitized name, unique within the set. Inputs are
// processed in sorted order; the first keeps the plain name and later collisions get -2, -3,
// ... (shortened to fit max), so the result does not depend on input order.
func uniqueNames(in []string, max int, fallback string) map[string]string {
	sorted := append([]string(nil), in...)
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	used := make(map[string]bool, len(sorted))
	for _, n := range sorted {
		if _, done := out[n]; done {
			continue
		}
		out[n] = uniqueIn(used, dnsLabel(n, max, fallback), max)
	}
	return out
}

// uniqueIn returns base, or base-2, base-3, ... (shortened to fit max, never ending in - or .)
// when used already has it, and marks the result used: the one rule for generated names that
// must not collide.
func uniqueIn(used map[string]bool, base string, max int) string {
	name := base
	for i := 2; used[name]; i++ {
		suffix := "-" + strconv.Itoa(i)
		cut := base
		if len(cut)+len(suffix) > max {
			cut = strings.TrimRight(cut[:max-len(suffix)], "-.")
		}
		name = cut + suffix
	}
	used[name] = true
	return name
}

// portName sanitizes s into an IANA service name as Kubernetes wants for port names: at most
// 15 characters of [a-z0-9-], at least one letter, no leading, trailing or double hyphens.
// It returns "" when nothing valid remains.
func portName(s string) string {
	n := dnsLabel(s, 15, "")
	if strings.Trim(n, "0123456789-") == "" {
		return ""
	}
	return n
}

// index maps names to model values and tracks the object names in use.
type index struct {
	services map[string]*model.Service
	volumes  map[string]*model.Volume
	// taken are object names given out by assignNames and extraName.
	taken map[string]bool
}

// assignNames gives every service its object name, unique within the app, and builds the
// name index.
func (b *builder) assignNames() {
	in := make([]string, len(b.app.Services))
	b.index = index{services: map[string]*model.Service{}, volumes: map[string]*model.Volume{}, taken: map[string]bool{}}
	for i, s := range b.app.Services {
		in[i] = s.Name
		b.index.services[s.Name] = s
	}
	for i := range b.app.Volumes {
		b.index.volumes[b.app.Volumes[i].Name] = &b.app.Volumes[i]
	}
	b.names = uniqueNames(in, maxName, "svc")
	for _, n := range b.names {
		b.index.taken[n] = true
	}
}

// ObjectNames maps the app's service names to their object names (the pods'
// app.kubernetes.io/name label): what reads the objects next to the app (berth data, the
// runbook) finds a service's workload by it (app_db's is app-db).
func ObjectNames(app *model.App) map[string]string {
	b := &builder{app: app}
	b.assignNames()
	return b.names
}

// serviceNamed returns the service named name, or nil.
func (b *builder) serviceNamed(name string) *model.Service { return b.index.services[name] }

// volumeNamed returns the top-level volume named name, or nil.
func (b *builder) volumeNamed(name string) *model.Volume { return b.index.volumes[name] }

// name returns the object name of the service named svc (sanitized, unique in the app).
func (b *builder) name(svc string) string {
	if n, ok := b.names[svc]; ok {
		return n
	}
	return dnsLabel(svc, maxName, "svc")
}
