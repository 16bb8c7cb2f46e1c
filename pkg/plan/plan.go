// Package plan writes the switch-over runbook of a conversion: the ordered steps, with the
// app's own names, that move a running Compose or ECS application onto the Kubernetes objects
// convert produced (DNS TTLs, namespace, secrets, volumes, data moves, apply, checks, DNS switch,
// rollback). It is pure: model and convert result in, Markdown bytes out. It never prints a
// secret value, only object names and keys.
package plan

import (
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/data"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Options are the parts of the runbook that come from the command line.
type Options struct {
	// Args are the input flags to repeat in the berth commands of the runbook (e.g. -f
	// compose.yaml); nil = derived from the app's files.
	Args []string
}

// facts is what the runbook needs from a conversion, in output order.
type facts struct {
	app       *model.App
	res       *convert.Result
	namespace string
	args      string
	hosts     []host
	secrets   []secret
	volumes   []volume
	data      data.Facts
	cronJobs  []string
	workloads []string // Kind/name
}

type host struct {
	name   string // DNS name, "" for a LoadBalancer without one
	object string // Ingress/web or Service/web
	svc    string
	tls    bool // the Ingress terminates TLS for the name
}

type secret struct {
	object string // Secret/name or ExternalSecret/name
	keys   []string
	empty  []string // keys whose value is empty: placeholders to fill
}

type volume struct {
	claim, service, size, class string
}

func gather(app *model.App, res *convert.Result, opts Options) *facts {
	f := &facts{app: app, res: res, namespace: app.Name, args: strings.Join(quoteAll(opts.Args), " ")}
	if opts.Args == nil {
		f.args = defaultArgs(app)
	}
	for _, o := range res.Objects {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		switch obj := o.(type) {
		case *corev1.Namespace:
			f.namespace = obj.Name
		case *networkingv1.Ingress:
			f.hosts = append(f.hosts, ingressHosts(obj)...)
		case *corev1.Service:
			if obj.Spec.Type == corev1.ServiceTypeLoadBalancer {
				f.hosts = append(f.hosts, host{object: "Service/" + obj.Name, svc: obj.Labels[convert.LabelName]})
			}
		case *corev1.Secret:
			f.secrets = append(f.secrets, secretOf(obj))
		case *corev1.PersistentVolumeClaim:
			f.volumes = append(f.volumes, claimOf(obj, obj.Name))
		case *appsv1.StatefulSet:
			for _, t := range obj.Spec.VolumeClaimTemplates {
				f.volumes = append(f.volumes, claimOf(&t, t.Name+"-"+obj.Name+"-0"))
				f.volumes[len(f.volumes)-1].service = obj.Labels[convert.LabelName]
			}
			f.workloads = append(f.workloads, kind+"/"+obj.Name)
		case *batchv1.CronJob:
			f.cronJobs = append(f.cronJobs, obj.Name)
		case *appsv1.Deployment, *appsv1.DaemonSet:
			f.workloads = append(f.workloads, kind+"/"+o.GetName())
		default:
			if kind == "ExternalSecret" {
				f.secrets = append(f.secrets, secret{object: kind + "/" + o.GetName()})
			}
		}
	}
	sort.SliceStable(f.hosts, func(i, j int) bool { return f.hosts[i].name < f.hosts[j].name })
	// the app as converted: a bind mount berth turned into a claim is a volume mount there,
	// and a volume's claim has a DNS-label name (git_data → git-data)
	f.data = data.Analyze(res.Converted(app), res.Objects)
	for i := range f.volumes {
		if f.volumes[i].service != "" {
			continue
		}
		if j := slices.IndexFunc(f.data.Volumes, func(v data.Volume) bool { return v.Claim == f.volumes[i].claim }); j >= 0 {
			f.volumes[i].service = strings.Join(f.data.Volumes[j].Services(), ", ")
		}
	}
	return f
}

// mountedBy lists the services that mount the named volume.
func ingressHosts(ing *networkingv1.Ingress) []host {
	var out []host
	seen := map[string]bool{}
	tls := map[string]bool{}
	for _, t := range ing.Spec.TLS {
		for _, h := range t.Hosts {
			tls[h] = true
		}
	}
	for _, r := range ing.Spec.Rules {
		if r.Host == "" || seen[r.Host] {
			continue
		}
		seen[r.Host] = true
		out = append(out, host{name: r.Host, object: "Ingress/" + ing.Name, svc: ing.Labels[convert.LabelName], tls: tls[r.Host]})
	}
	if len(out) == 0 {
		out = append(out, host{object: "Ingress/" + ing.Name, svc: ing.Labels[convert.LabelName]})
	}
	return out
}

func secretOf(s *corev1.Secret) secret {
	out := secret{object: "Secret/" + s.Name}
	seen := map[string]bool{}
	add := func(k string, empty bool) {
		if seen[k] {
			return
		}
		seen[k] = true
		out.keys = append(out.keys, k)
		if empty {
			out.empty = append(out.empty, k)
		}
	}
	for k, v := range s.Data {
		add(k, len(v) == 0)
	}
	for k, v := range s.StringData {
		add(k, v == "")
	}
	sort.Strings(out.keys)
	sort.Strings(out.empty)
	return out
}

func claimOf(c *corev1.PersistentVolumeClaim, name string) volume {
	v := volume{claim: name, service: c.Labels[convert.LabelName], class: "the cluster default"}
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		v.size = q.String()
	}
	if c.Spec.StorageClassName != nil {
		v.class = "`" + *c.Spec.StorageClassName + "`"
	}
	return v
}

func defaultArgs(app *model.App) string {
	flag := "-f"
	if app.Source == model.ECS {
		flag = "--ecs"
	}
	parts := make([]string, 0, 2*len(app.Files))
	for _, f := range app.Files {
		parts = append(parts, flag, data.Quote(f))
	}
	return strings.Join(parts, " ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = data.Quote(s)
	}
	return out
}

// nonPublicSuffixes are names no public DNS serves (RFC 6761, RFC 8375, mDNS, common LAN
// names): a runbook switches no DNS for them.
var nonPublicSuffixes = []string{"localhost", "local", "internal", "test", "invalid", "lan", "home.arpa", "localdomain", "cluster.local"}

// public reports whether clients find name through public DNS: a dotted name outside the
// reserved local suffixes, not an IP address.
func public(name string) bool {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if n == "" || !strings.Contains(n, ".") || net.ParseIP(n) != nil {
		return n == "" // a LoadBalancer's unknown name is the user's public name
	}
	for _, s := range nonPublicSuffixes {
		if n == s || strings.HasSuffix(n, "."+s) {
			return false
		}
	}
	return true
}
