package convert

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"
)

// waitScript waits until a TCP connection to $WAIT_HOST:$WAIT_PORT succeeds. The names travel
// in environment variables, never spliced into the script, so no name can change its meaning.
// Through a ClusterIP Service a connection only succeeds once the dependency has a ready
// endpoint: for a dependency with a healthcheck (readinessProbe) that is service_healthy.
const waitScript = `until nc -z -w 2 "$WAIT_HOST" "$WAIT_PORT"; do echo "waiting for $WAIT_HOST:$WAIT_PORT"; sleep 2; done`

// kubectlReleases are the kubectl releases the Job waits run, per Kubernetes minor: kubectl
// supports one minor of skew from the apiserver, so the wait follows the target version
// (Options.KubeVersion). Each is the patch release berth's schemas of that minor were
// captured from (pkg/validate/schemas); a test checks that every embedded minor has one.
var kubectlReleases = map[string]string{"1.33": "v1.33.13", "1.34": "v1.34.4", "1.35": "v1.35.4", "1.36": "v1.36.3", "1.37": "v1.37.2"}

// newestKube is the newest minor of kubectlReleases, the target when none is given.
var newestKube = slices.MaxFunc(slices.Collect(maps.Keys(kubectlReleases)), func(a, b string) int {
	return cmp.Compare(kubeMinor(a), kubeMinor(b))
})

// kubeMinor is the minor number of "1.33".
func kubeMinor(v string) int {
	_, m, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// KubectlImage is the official kubectl image (published for every release since 1.28, its
// entrypoint is kubectl) for Kubernetes minor version ("" = the newest).
func KubectlImage(version string) string {
	tag, ok := kubectlReleases[version]
	if !ok {
		tag = kubectlReleases[newestKube]
	}
	return "registry.k8s.io/kubectl:" + tag
}

// DefaultJobWaitImage runs `kubectl wait` for service_completed_successfully dependencies when
// no version is targeted: the newest kubectl.
var DefaultJobWaitImage = KubectlImage("")

// waits adds one init container per dependency, in dependency order (sorted by service):
// service_started and service_healthy wait for the dependency's Service to accept TCP
// connections; service_completed_successfully waits for its Job to complete, through the API.
func (b *builder) waits(pl *plan, p *pod) error {
	svc := pl.Svc
	for _, d := range svc.DependsOn {
		dep := b.plans[d.Service]
		if dep == nil {
			if d.Required {
				return b.ledger.Errorf(svc.Name, d.Field, "depends on %q, which is not a service of this app", d.Service)
			}
			b.ledger.Ignored(svc.Name, d.Field, fmt.Sprintf("optional dependency %q is not part of the app (profile disabled?): no wait", d.Service))
			continue
		}
		k, api, err := b.waitFor(pl, dep, d)
		if err != nil {
			return err
		}
		if k == nil {
			continue
		}
		w := waitRef{Dep: dep, API: api, Field: d.Field}
		if api {
			b.useWaitAccount(p)
		} else if lp := firstTCP(dep.Ports); lp != nil {
			w.Port = lp.Port
		}
		pl.waits = append(pl.waits, w)
		k.Name = dnsLabel("wait-"+dep.Name, maxLabel, "wait")
		k.SecurityContext = waitSecurity()
		p.Spec.InitContainers = append(p.Spec.InitContainers, *k)
		b.ledger.Mapped(svc.Name, d.Field, p.target(fmt.Sprintf("initContainers[%d]", len(p.Spec.InitContainers)-1)))
		if d.Restart {
			b.ledger.Warnf(svc.Name, d.RestartField, "restart: true is not converted: Kubernetes does not restart dependents when %q restarts", d.Service)
		}
	}
	for _, l := range svc.Links {
		b.ledger.Ignored(svc.Name, svc.Paths.Of(model.KeyLinks), "links: every Service is reachable by name in the namespace")
		if dep := b.plans[l]; dep != nil && len(dep.Ports) == 0 && !jobKind(dep.Kind) {
			b.notePortless(l, portlessUse{Service: svc.Name, Field: svc.Paths.Of(model.KeyLinks), What: "links to it"})
		}
	}
	return nil
}

// waitFor builds the wait container for one dependency (nil when nothing needs waiting);
// api says it asks the API server and needs the wait ServiceAccount.
func (b *builder) waitFor(pl, dep *plan, d model.Dependency) (k *corev1.Container, api bool, err error) {
	svc := pl.Svc
	switch d.Condition {
	case model.ConditionCompleted, model.ConditionComplete:
		if !jobKind(dep.Kind) {
			return nil, false, b.ledger.Errorf(svc.Name, d.Field,
				"waits for %q to complete, but %q runs as a %s (set x-berth.kind: Job on it)", d.Service, d.Service, dep.Kind)
		}
		if dep.Kind == model.KindCronJob {
			b.ledger.Dropped(svc.Name, d.Field, fmt.Sprintf("%q is a CronJob: there is no single run to wait for", d.Service))
			return nil, false, nil
		}
		b.waitRBAC = true
		if d.Condition == model.ConditionComplete {
			b.ledger.Warnf(svc.Name, d.Field, "ECS COMPLETE (any exit code) is mapped to successful completion")
		}
		return &corev1.Container{Image: b.jobWaitImage(), ImagePullPolicy: corev1.PullIfNotPresent,
			Args: []string{"wait", "--for=condition=complete", "--timeout=-1s", "job/" + dep.Name}}, true, nil
	}
	if jobKind(dep.Kind) {
		b.ledger.Ignored(svc.Name, d.Field, fmt.Sprintf("%q runs as a %s: it starts on its own, nothing to wait for", d.Service, dep.Kind))
		return nil, false, nil
	}
	lp := firstTCP(dep.Ports)
	if lp == nil {
		return b.rolloutWait(svc, dep, d), true, nil
	}
	if d.Condition == model.ConditionHealthy && dep.Svc.Main().Health == nil {
		b.ledger.Warnf(svc.Name, d.Field, "%q has no healthcheck: waiting for its port to accept connections", d.Service)
	}
	return &corev1.Container{Image: b.opts.WaitImage, ImagePullPolicy: pullPolicy(b.opts.WaitImage),
		Command: []string{"sh", "-c", waitScript},
		Env: []corev1.EnvVar{{Name: "WAIT_HOST", Value: dep.Name},
			{Name: "WAIT_PORT", Value: strconv.Itoa(int(lp.svcPort()))}}}, false, nil
}

// rolloutWait waits for a dependency nobody can connect to (no TCP port known: a queue
// worker, or a server whose port berth cannot see) through the API: `kubectl rollout status`
// returns once its pods are updated and ready, which is when their readiness probes (the
// healthcheck) pass, or when they run for a dependency without one.
func (b *builder) rolloutWait(svc *model.Service, dep *plan, d model.Dependency) *corev1.Container {
	b.waitRollouts = true
	b.notePortless(dep.Svc.Name, portlessUse{Service: svc.Name, Field: d.Field,
		What: "waits for its rollout through the API instead of a connection"})
	return &corev1.Container{Image: b.jobWaitImage(), ImagePullPolicy: corev1.PullIfNotPresent,
		Args: []string{"rollout", "status", strings.ToLower(string(dep.Kind)) + "/" + dep.Name, "--watch", "--timeout=0s"}}
}

// declarePort tells how to give service name a known port.
func declarePort(name string) string {
	return fmt.Sprintf("if other services connect to it, add `expose: [PORT]` or `x-berth: {ports: [PORT]}` to service %q (berth found no ports or expose, no EXPOSE in a readable Dockerfile, no entry in its table of well-known images, and no value naming %s:PORT)",
		name, name)
}

// firstTCP is the first TCP port, or nil.
func firstTCP(ports []*listenPort) *listenPort {
	for _, lp := range ports {
		if lp.Protocol == corev1.ProtocolTCP {
			return lp
		}
	}
	return nil
}

func jobKind(k model.Kind) bool { return k == model.KindJob || k == model.KindCronJob }

// pullPolicy is the imagePullPolicy berth uses for an image it chose.
func pullPolicy(image string) corev1.PullPolicy {
	ref := parseImage(image)
	if ref.Digest == "" && floatingTag(ref) {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// jobWaitImage is the image that runs kubectl wait.
func (b *builder) jobWaitImage() string {
	if b.opts.JobWaitImage != "" {
		return b.opts.JobWaitImage
	}
	return KubectlImage(b.opts.KubeVersion)
}

// waitSecurity is a restricted security context: the wait containers need no privileges.
func waitSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr.To(true),
		RunAsUser:                ptr.To[int64](65534),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// waitAccess emits, once per app and only when some pod waits for a Job, the ServiceAccount
// those pods run as and a Role allowing exactly what `kubectl wait` needs on Jobs.
func (b *builder) waitAccess() {
	if !b.waitRBAC && !b.waitRollouts {
		return
	}
	var rules []rbacv1.PolicyRule
	if b.waitRBAC {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}})
	}
	if b.waitRollouts {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "deployments", "statefulsets"}, Verbs: []string{"get", "list", "watch"}})
	}
	name := b.waitAccount()
	b.emit(&corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: objectMeta(name, b.ns, b.app.Name, "")})
	b.emit(&rbacv1.Role{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: objectMeta(name, b.ns, b.app.Name, ""),
		Rules: rules})
	b.emit(&rbacv1.RoleBinding{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: objectMeta(name, b.ns, b.app.Name, ""),
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: b.ns}}})
}

// waitAccount is the ServiceAccount of pods that wait for Jobs.
func (b *builder) waitAccount() string { return dnsLabel(b.app.Name+"-wait", maxName, "berth") + "" }

// useWaitAccount makes the pod run as the wait ServiceAccount, unless the input names one.
func (b *builder) useWaitAccount(p *pod) {
	if sa := p.svc.Options.ServiceAccount; sa != "" {
		b.ledger.Warnf(p.svc.Name, p.svc.Field+".x-berth.serviceAccount",
			"ServiceAccount %q must be allowed to get, list and watch jobs for the dependency waits", sa)
		return
	}
	p.Spec.ServiceAccountName = b.waitAccount()
}

// checkCycles rejects depends_on cycles: the wait init containers would block every pod of
// the cycle forever. The loader rejects them already; this guards other model sources.
func (b *builder) checkCycles() error {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var visit func(s string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case visiting:
			return b.cycleError(append(path, name))
		case done:
			return nil
		}
		svc := b.serviceNamed(name)
		if svc == nil {
			return nil
		}
		state[name] = visiting
		for _, d := range svc.DependsOn {
			if err := visit(d.Service, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = done
		return nil
	}
	for _, s := range b.app.Services {
		if err := visit(s.Name, nil); err != nil {
			return err
		}
	}
	return nil
}

// cycleError names the cycle at the depends_on entry that closes it.
func (b *builder) cycleError(path []string) error {
	last, first := path[len(path)-2], path[len(path)-1]
	field := ""
	if svc := b.serviceNamed(last); svc != nil {
		field = svc.Paths.Of(model.KeyDependsOn)
		for _, d := range svc.DependsOn {
			if d.Service == first {
				field = d.Field
			}
		}
	}
	i := 0
	for path[i] != first {
		i++
	}
	return b.ledger.Errorf(last, field, "depends_on cycle: %s", strings.Join(path[i:], " -> "))
}
