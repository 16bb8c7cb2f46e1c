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
		"oom_score_adj":  dropped("the kubelet sets OOM scores from the pod's QoS class"),
		"mac_address":    dropped("pods get addresses from the cluster network"),
		"runtime":        dropped("runtime: select the runtime with spec.runtimeClassName and a RuntimeClass of the cluster (e.g. nvidia, gvisor)"),
		// the rest of the compose-spec schema (TestEverySchemaFieldIsAccounted)
		"attach":              ignored("attach only chooses whose logs docker compose up prints"),
		"develop":             ignored("docker compose watch is for development: nothing syncs files into pods"),
		"extends":             ignored("extends was resolved when loading: the merged service is converted"),
		"label_file":          ignored("its labels were read into labels and are converted with them"),
		"pull_refresh_after":  ignored("berth sets imagePullPolicy from the image tag"),
		"annotations":         dropped("annotations is not converted: container annotations reach the container runtime, which Kubernetes has no field for: x-berth.annotations sets pod annotations"),
		"blkio_config":        dropped("blkio_config is not converted: block IO weights and limits have no pod setting"),
		"cgroup":              dropped("cgroup is not converted: the cgroup namespace is the container runtime's choice"),
		"cpu_count":           dropped("cpu_count is not converted: Windows CPU count: use cpus (the CPU limit)"),
		"cpu_percent":         dropped("cpu_percent is not converted: Windows CPU percent: use cpus (the CPU limit)"),
		"cpu_period":          dropped("cpu_period is not converted: CFS period: use cpus, which becomes the CPU limit"),
		"cpu_quota":           dropped("cpu_quota is not converted: CFS quota: use cpus, which becomes the CPU limit"),
		"cpu_rt_period":       dropped("cpu_rt_period is not converted: realtime scheduling has no pod setting"),
		"cpu_rt_runtime":      dropped("cpu_rt_runtime is not converted: realtime scheduling has no pod setting"),
		"cpuset":              dropped("cpuset is not converted: CPU pinning: the kubelet's CPU manager (static policy) pins the CPUs of Guaranteed pods"),
		"credential_spec":     dropped("credential_spec is not converted: Windows gMSA credential spec: set securityContext.windowsOptions.gmsaCredentialSpecName"),
		"device_cgroup_rules": dropped("device_cgroup_rules is not converted: device cgroup rules: give the pod devices through a device plugin"),
		"devices":             dropped("devices is not converted: host devices: give the pod devices through a device plugin (or a privileged container)"),
		"external_links":      dropped("external_links is not converted: links to containers outside the app: make what they reach a Service of the namespace (e.g. ExternalName)"),
		"isolation":           dropped("isolation is not converted: Windows isolation mode: the node's runtime decides"),
		"mem_swappiness":      dropped("mem_swappiness is not converted: swap is a node setting (the kubelet's memorySwap)"),
		"memswap_limit":       dropped("memswap_limit is not converted: swap is a node setting (the kubelet's memorySwap)"),
		"oom_kill_disable":    dropped("oom_kill_disable is not converted: the kubelet handles out-of-memory by the pod's QoS class"),
		"pids_limit":          dropped("pids_limit is not converted: the kubelet sets the pods' PID limit (podPidsLimit)"),
		"storage_opt":         dropped("storage_opt is not converted: storage driver options: request ephemeral-storage instead"),
		"umask":               dropped("umask is not converted: the umask has no container setting: set it in the entrypoint"),
		"use_api_socket":      dropped("use_api_socket is not converted: a cluster has no Docker API socket to mount"),
		"userns_mode":         dropped("userns_mode is not converted: user namespaces: set the pod's hostUsers: false"),
		"uts":                 dropped("uts is not converted: pods have their own UTS namespace (hostname)"),
	}
}

// passiveNested is passiveFields for fields below a service field berth maps in part
// (deploy.X), keyed by the path after services.<name>.
func passiveNested() map[string]passive {
	ignored := func(r string) passive { return passive{diag.Ignored, r} }
	dropped := func(r string) passive { return passive{diag.Dropped, r} }
	return map[string]passive{
		"deploy.endpoint_mode":                            ignored("vip and dnsrr: the ClusterIP Service balances connections"),
		"deploy.labels":                                   ignored("swarm service labels belong to the service object: berth labels its objects itself"),
		"deploy.rollback_config":                          dropped("deploy.rollback_config is not converted: Kubernetes does not roll back a failed update by itself (kubectl rollout undo does)"),
		"deploy.placement.preferences":                    dropped("deploy.placement.preferences is not converted: spread preferences: berth spreads replicas over zones and nodes (topologySpreadConstraints)"),
		"deploy.placement.max_replicas_per_node":          dropped("deploy.placement.max_replicas_per_node is not converted: replicas per node: use a topology spread constraint (maxSkew) or pod anti-affinity"),
		"deploy.resources.limits.pids":                    dropped("deploy.resources.limits.pids is not converted: the kubelet sets the pods' PID limit (podPidsLimit)"),
		"deploy.resources.reservations.generic_resources": dropped("deploy.resources.reservations.generic_resources is not converted: swarm generic resources: request a device plugin's extended resource"),
	}
}

// accountApp records the passive fields of every service and the project-level fields
// convert consumes.
func (b *builder) accountApp() {
	table, nested := passiveFields(), passiveNested()
	seen := map[string]bool{}
	for _, f := range b.app.Inputs {
		if f.Service == "" {
			b.accountTop(f.Path)
			continue
		}
		prefix := "services." + f.Service + "."
		if svc := b.serviceNamed(f.Service); svc != nil && svc.Trigger != nil {
			prefix = svc.Field + "." // a job: jobs.NAME
		}
		if f.Service == "" || !strings.HasPrefix(f.Path, prefix) || b.providerPlans()[f.Service] != nil {
			continue
		}
		if strings.HasPrefix(f.Path, prefix+"triggers") {
			b.accountTrigger(f.Service, f.Path)
			continue
		}
		if k, p, ok := nestedPassive(nested, strings.TrimPrefix(f.Path, prefix)); ok {
			if field := prefix + k; !seen[field] {
				seen[field] = true
				b.recordPassive(f.Service, field, p)
			}
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
			b.recordPassive(f.Service, field, p)
		}
	}
	b.restartPrecedence(seen)
}

func (b *builder) recordPassive(service, field string, p passive) {
	if p.Outcome == diag.Ignored {
		b.ledger.Ignored(service, field, p.Reason)
	} else {
		b.ledger.Dropped(service, field, p.Reason)
	}
}

// nestedPassive finds the entry of table that rest (a path below a service) is or lies under.
func nestedPassive(table map[string]passive, rest string) (string, passive, bool) {
	for k, p := range table {
		if rest == k || strings.HasPrefix(rest, k+".") || strings.HasPrefix(rest, k+"[") {
			return k, p, true
		}
	}
	return "", passive{}, false
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
	case top == "volumes":
		b.accountVolumeName(path)
	case top == "models":
		b.accountModel(path)
	case top == "x-berth":
		b.accountAppExt(path)
	case strings.HasPrefix(top, "x-"):
		b.ledger.Ignored("", path, "extension field: its values count where YAML anchors use them")
	}
}

// accountVolumeName accounts a volume's own name (Compose `name:`) when it differs from the
// volume's key: it names the container engine's volume, which the migration plan copies the
// data out of (pkg/plan); the claims are named after the key. An external volume's name is
// its claim's name (volume.go), so it is not this rule's.
func (b *builder) accountVolumeName(path string) {
	for _, v := range b.app.Volumes {
		if path == v.Field+".name" && !v.External && v.EngineName != "" && v.EngineName != v.Name {
			b.ledger.Ignored("", path, "the container engine's name of volume "+v.Name+" (the migration plan copies the data out of it); "+
				"its claim is named after the key, "+v.Name)
			return
		}
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
