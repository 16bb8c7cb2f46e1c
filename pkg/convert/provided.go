package convert

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// provided.go maps Compose provider services (services.NAME.provider): resources a provider
// plugin provisions outside the app. On a cluster nothing runs for them: their variables
// (NAME_KEY, as docker compose injects them) come from a Secret the user fills, read by every
// dependant through envFrom with the prefix NAME_; an address the options name becomes an
// ExternalName Service NAME; a warning and the runbook say what to provision
// (docs/mapping.md, "Provider services").

// providerPlan is what one provider service becomes.
type providerPlan struct {
	p *model.Provider
	// secret is the placeholder Secret its variables come from.
	secret string
	// host is the address its options name ("" = none), served by Service service.
	host, service string
}

// providerPlans returns the plan of every provider service by name, computed on first use
// (after the config concern's names).
func (b *builder) providerPlans() map[string]*providerPlan {
	if b.prov != nil {
		return b.prov
	}
	st := b.config()
	b.prov = map[string]*providerPlan{}
	for i := range b.app.Providers {
		p := &b.app.Providers[i]
		pp := &providerPlan{p: p, secret: st.allocate("Secret", dnsLabel(p.Name, maxName, "svc")+"-provider")}
		if pp.host = providerHost(p.Options); pp.host != "" {
			pp.service = b.extraName(p.Name, "")
		}
		b.prov[p.Name] = pp
	}
	return b.prov
}

// Provision is a resource a provider service asks for, for the runbook and the report.
type Provision struct {
	// Service is the provider service's name; Type its provider plugin.
	Service, Type string
	// Secret is the Secret to fill with the variables the provider gives (keys without the
	// Prefix); Users read it.
	Secret, Prefix string
	Users          []string
	// Host is the address the options name, served by ExternalName Service ServiceName.
	Host, ServiceName string
}

// provisions lists the provider services for the result.
func (b *builder) provisions() []Provision {
	var out []Provision
	for _, p := range b.app.Providers {
		pp := b.providerPlans()[p.Name]
		pv := Provision{Service: p.Name, Type: p.Type, Secret: pp.secret, Prefix: p.EnvPrefix(), Host: pp.host, ServiceName: pp.service}
		for _, u := range p.Users {
			pv.Users = append(pv.Users, u.Service)
		}
		out = append(out, pv)
	}
	return out
}

// providerEnv appends to a service's main container the envFrom of every provider it
// depends on, last: what a provider injects overrides the service's own variables, as in
// docker compose (explicit env entries still win over envFrom).
func (b *builder) providerEnv(p *pod, c *ctr) {
	if len(b.app.Providers) == 0 || containerIndex(p.svc, c.M) != 0 {
		return
	}
	plans := b.providerPlans()
	for i := range b.app.Providers {
		pv := &b.app.Providers[i]
		for _, u := range pv.Users {
			if u.Service != p.svc.Name {
				continue
			}
			pp := plans[pv.Name]
			c.K.EnvFrom = append(c.K.EnvFrom, corev1.EnvFromSource{Prefix: pv.EnvPrefix(),
				SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: pp.secret}}})
			b.ledger.Mapped(p.svc.Name, u.Field, p.ctarget(c, fmt.Sprintf("envFrom[%d]", len(c.K.EnvFrom)-1)), "Secret/"+pp.secret)
		}
	}
}

// providerObjects emits each provider service's placeholder Secret and ExternalName Service
// and accounts its fields.
func (b *builder) providerObjects() {
	for i := range b.app.Providers {
		p := &b.app.Providers[i]
		pp := b.providerPlans()[p.Name]
		component := dnsLabel(p.Name, maxName, "svc")
		s := b.secret(pp.secret, component, nil)
		s.Annotations = map[string]string{"berth.dev/fill-in": fmt.Sprintf("the variables provider %s gives service %s (e.g. URL=...): dependants read each KEY as %sKEY", p.Type, p.Name, p.EnvPrefix())}
		b.emit(s)
		targets := []string{"Secret/" + pp.secret}
		where := ""
		if pp.host != "" {
			b.emit(&corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: objectMeta(pp.service, b.ns, b.app.Name, component),
				Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: pp.host},
			})
			targets = append(targets, "Service/"+pp.service+" spec.externalName")
			where = fmt.Sprintf("; Service %s points at %s", pp.service, pp.host)
		}
		users := make([]string, 0, len(p.Users))
		for _, u := range p.Users {
			users = append(users, u.Service)
		}
		who := "no service depends on it"
		if len(users) > 0 {
			who = "read by " + strings.Join(users, ", ") + " as " + p.EnvPrefix() + "KEY"
		}
		b.ledger.Partial(p.Name, p.Field+".provider", fmt.Sprintf("provider service %s runs no container: provision %s for it outside the cluster "+
			"(options: %s) and put the variables the provider gives (URL, API_KEY, ...) in Secret %s, %s%s",
			p.Name, p.Type, optionKeys(p.Options), pp.secret, who, where), targets...)
		b.accountProviderRest(p)
	}
}

// accountProviderRest accounts the other fields of a provider service: docker compose gives
// the plugin only the type and options.
func (b *builder) accountProviderRest(p *model.Provider) {
	prefix := p.Field + "."
	seen := map[string]bool{}
	for _, f := range b.app.Inputs {
		rest, ok := strings.CutPrefix(f.Path, prefix)
		if f.Service != p.Name || !ok {
			continue
		}
		key, _, _ := strings.Cut(rest, ".")
		key, _, _ = strings.Cut(key, "[")
		if key == "provider" || seen[key] {
			continue
		}
		seen[key] = true
		b.ledger.Record(diag.Entry{Service: p.Name, Field: prefix + key, Outcome: diag.Ignored,
			Reason: "a provider service runs no container: docker compose passes only provider.type and provider.options to the plugin"})
	}
}

func optionKeys(kvs []model.KV) string {
	if len(kvs) == 0 {
		return "none"
	}
	keys := make([]string, len(kvs))
	for i, kv := range kvs {
		keys[i] = kv.Key
	}
	return strings.Join(keys, ", ")
}

// providerHost is the DNS name a provider's options give as its address (an option named
// host, hostname, address, endpoint, url, fqdn or server, holding a name or a URL); "" when
// none does. IP addresses are not names an ExternalName Service can hold.
func providerHost(opts []model.KV) string {
	for _, kv := range opts {
		switch strings.ToLower(kv.Key) {
		case "host", "hostname", "address", "endpoint", "url", "fqdn", "server":
		default:
			continue
		}
		h := kv.Value
		if u, err := url.Parse(h); err == nil && u.Host != "" {
			h = u.Hostname()
		} else if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if net.ParseIP(h) == nil && strings.Contains(h, ".") && len(validation.IsDNS1123Subdomain(h)) == 0 {
			return h
		}
	}
	return ""
}

// externalProvider reports whether host names a provider service that gets an ExternalName
// Service of that very name (its options name an address): the cluster's DNS answers it.
func (b *builder) externalProvider(host string) bool {
	for _, p := range b.app.Providers {
		if strings.EqualFold(p.Name, host) && dnsLabel(p.Name, maxName, "svc") == strings.ToLower(host) && providerHost(p.Options) != "" {
			for _, n := range b.names { // a service's own Service would take the name
				if n == strings.ToLower(host) {
					return false
				}
			}
			return true
		}
	}
	return false
}
