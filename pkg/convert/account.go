package convert

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// passive is what becomes of an input field no mapping rule consumes because Kubernetes
// needs nothing for it, or cannot express it.
type passive struct {
	Outcome diag.Outcome
	Reason  string
}

// passiveFields maps a service field name (the segment after services.<name>.) to its fate.
func passiveFields() map[string]passive {
	ignored := func(r string) passive { return passive{diag.Ignored, r} }
	dropped := func(r string) passive { return passive{diag.Dropped, r} }
	return map[string]passive{
		"container_name": ignored("pods get generated names; the Service name is the stable address"),
		"profiles":       ignored("profiles were applied when loading: only active services are converted"),
		"pull_policy":    ignored("berth sets imagePullPolicy from the image tag"),
		"logging":        dropped("logging drivers are not converted: containers log to stdout/stderr and the cluster's log collector ships them"),
		"restart_policy": ignored("see restart"),
		"stop_signal":    dropped("Kubernetes always sends SIGTERM: make the image's STOPSIGNAL or entrypoint handle it"),
		"cgroup_parent":  dropped("cgroups are managed by the kubelet"),
		"security_opt":   dropped("security_opt is not converted: use x-berth or edit securityContext (seccompProfile, appArmorProfile)"),
		"oom_score_adj":  dropped("the kubelet sets OOM scores from the pod's QoS class"),
		"mac_address":    dropped("pods get addresses from the cluster network"),
		"runtime":        dropped("runtime: select the runtime with spec.runtimeClassName and a RuntimeClass of the cluster (e.g. nvidia, gvisor)"),
	}
}

// accountApp records the passive fields of every service and the project-level fields
// convert consumes.
func (b *builder) accountApp() {
	table := passiveFields()
	seen := map[string]bool{}
	for _, f := range b.app.Inputs {
		if f.Service == "" {
			b.accountTop(f.Path)
			continue
		}
		prefix := "services." + f.Service + "."
		if f.Service == "" || !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		if strings.HasPrefix(f.Path, prefix+"deploy.restart_policy") {
			seen[prefix+"deploy.restart_policy"] = true
		}
		key, _, _ := strings.Cut(strings.TrimPrefix(f.Path, prefix), ".")
		key, _, _ = strings.Cut(key, "[")
		field := prefix + key
		if key == "x-berth" {
			b.accountExt(f.Service, f.Path, seen)
			continue
		}
		if seen[field] {
			continue
		}
		seen[field] = true
		if key == "build" {
			b.accountBuild(f.Service, field)
			continue
		}
		if key == "pull_policy" && b.accountPullPolicy(f.Service, field) {
			continue
		}
		if p, ok := table[key]; ok {
			if p.Outcome == diag.Ignored {
				b.ledger.Ignored(f.Service, field, p.Reason)
			} else {
				b.ledger.Dropped(f.Service, field, p.Reason)
			}
		}
	}
	b.restartPrecedence(seen)
}

// restartPrecedence accounts deploy.restart_policy: restart wins when both are set, as in
// docker compose; otherwise the loader merged it into the restart policy the workload uses.
func (b *builder) restartPrecedence(seen map[string]bool) {
	for _, svc := range b.app.Services {
		rp := svc.Field + ".deploy.restart_policy"
		if !seen[rp] {
			continue
		}
		if seen[svc.Field+".restart"] {
			b.ledger.Ignored(svc.Name, rp, "restart is set and takes precedence, as in docker compose")
			continue
		}
		pl := b.plans[svc.Name]
		if longRunning(pl.Kind) && (svc.Restart == model.RestartNo || svc.Restart == model.RestartOnFailure) {
			continue // a long-running kind always restarts: restartPolicy() says so (partial)
		}
		b.ledger.Mapped(svc.Name, rp+".condition", fmt.Sprintf("%s/%s %s.restartPolicy", pl.Kind, pl.Name, specPath(pl.Kind)))
	}
}

// accountTop accounts the project-level fields convert consumes or deliberately ignores.
func (b *builder) accountTop(path string) {
	top, _, _ := strings.Cut(path, ".")
	top, _, _ = strings.Cut(top, "[")
	switch {
	case top == "name":
		b.ledger.Mapped("", path, "Namespace/"+b.ns, "metadata.labels "+LabelPartOf)
	case top == "version":
		b.ledger.Ignored("", path, "version is obsolete in the Compose specification")
	case top == "networks":
		b.accountNetwork(path)
	case top == "models":
		b.accountModel(path)
	case top == "x-berth":
		b.accountAppExt(path)
	case strings.HasPrefix(top, "x-"):
		b.ledger.Ignored("", path, "extension field: its values count where YAML anchors use them")
	}
}

// accountBuild: with an image, build only says how the image is made; the cluster pulls the
// image (a build-only service is reported by the container code).
func (b *builder) accountBuild(service, field string) {
	svc := b.serviceNamed(service)
	if _, set := b.setImages[service]; svc == nil || svc.Main().BuildOnly || set {
		return // the image code accounts it
	}
	b.ledger.Ignored(service, field, "build: the cluster pulls "+svc.Main().Image+"; build and push it before deploying")
}

// accountPullPolicy accounts pull_policy build and never on a service with a build section:
// "build it" (berth build, berth apply --build), never imagePullPolicy Never, which would
// need the image on every node already. False: the table's rule applies.
func (b *builder) accountPullPolicy(service, field string) bool {
	svc := b.serviceNamed(service)
	if svc == nil || svc.Main().Build == nil {
		return false
	}
	pp := svc.Main().PullPolicy
	if pp != "build" && pp != "never" {
		return false
	}
	b.ledger.Ignored(service, field, "pull_policy "+pp+": berth build and berth apply --build build the image and push it; "+
		"the cluster pulls it (never imagePullPolicy Never: a node has no locally built image)")
	return true
}

// accountExt accounts the service x-berth keys no mapping rule consumes directly.
func (b *builder) accountExt(service, path string, seen map[string]bool) {
	svc := b.serviceNamed(service)
	if svc == nil {
		return
	}
	rest := strings.TrimPrefix(path, svc.Field+".x-berth.")
	key, _, _ := strings.Cut(rest, ".")
	key, _, _ = strings.Cut(key, "[")
	field := svc.Field + ".x-berth." + key
	if seen[field] {
		return
	}
	seen[field] = true
	switch key {
	case "healthPath":
		b.accountHealthPath(service, field)
	case "path", "host", "expose":
		if !b.plans[service].public() {
			b.ledger.Ignored(service, field, "the service publishes no port, so it gets no Ingress or public Service")
		}
	}
}

// accountAppExt accounts the project-level x-berth keys: each is the default of a flag.
func (b *builder) accountAppExt(path string) {
	key, _, _ := strings.Cut(strings.TrimPrefix(path, "x-berth."), ".")
	key, _, _ = strings.Cut(key, "[")
	switch key {
	case "namespace":
		b.ledger.Mapped("", path, "metadata.namespace of every object")
	case "domain", "expose", "ingressClass", "tlsSecret", "clusterIssuer":
		b.ledger.Mapped("", path, "default of --"+flagName(key)+": the Ingresses and public Services")
	case "routing", "gatewayClass":
		b.ledger.Mapped("", path, "default of --"+flagName(key)+": the Ingresses or the Gateway and HTTPRoutes")
	case "storageClass", "volumeSize":
		b.ledger.Mapped("", path, "default of --"+flagName(key)+": the PersistentVolumeClaims")
	case "waitImage":
		b.ledger.Mapped("", path, "default of --wait-image: the dependency-wait init containers")
	case "networkPolicies", "ingressNamespace":
		b.accountPolicyExt(path, key)
	}
}

// flagName turns an x-berth key into its flag (ingressClass → ingress-class).
func flagName(key string) string {
	var out strings.Builder
	for _, r := range key {
		if r >= 'A' && r <= 'Z' {
			out.WriteByte('-')
			r += 'a' - 'A'
		}
		out.WriteRune(r)
	}
	return out.String()
}
