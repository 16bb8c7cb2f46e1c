package convert

import (
	"strconv"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// cfgRun is the outcome of running the config/storage concern over an app the way the pod
// builder does (containerEnv, podVolumes, claimTemplates per pod, then appObjects).
type cfgRun struct {
	b    *builder
	pods []*pod
	// templates are the claim templates per StatefulSet pod name.
	templates map[string][]corev1.PersistentVolumeClaim
	err       error
}

// runConfig drives the seams for every service of app. kinds picks workload kinds by service
// name (default Deployment).
func runConfig(app *model.App, opts Options, kinds map[string]model.Kind) *cfgRun {
	b := &builder{app: app, opts: opts.withDefaults(app), ledger: diag.NewLedger(app.Inputs)}
	b.ns = b.opts.Namespace
	b.assignNames()
	r := &cfgRun{b: b, templates: map[string][]corev1.PersistentVolumeClaim{}}
	for _, svc := range app.Services {
		kind := kinds[svc.Name]
		if kind == "" {
			kind = model.KindDeployment
		}
		p := &pod{svc: svc, Kind: kind, Name: b.name(svc.Name), SpecPath: "spec.template.spec", Spec: &corev1.PodSpec{}}
		for i := range svc.Containers {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: dnsLabel(svc.Containers[i].Name, maxLabel, "c")})
		}
		for i := range svc.Containers {
			c := &ctr{M: &svc.Containers[i], K: &p.Spec.Containers[i], Path: "containers[" + strconv.Itoa(i) + "]"}
			if r.err = b.containerEnv(p, c); r.err != nil {
				return r
			}
			if r.err = b.podVolumes(p, c); r.err != nil {
				return r
			}
		}
		if kind == model.KindStatefulSet {
			r.templates[p.Name] = b.claimTemplates(p)
		}
		r.pods = append(r.pods, p)
	}
	r.err = b.appObjects()
	Sort(b.objs)
	return r
}

// pod returns the pod spec built for service name.
func (r *cfgRun) pod(t *testing.T, name string) *corev1.PodSpec {
	t.Helper()
	for _, p := range r.pods {
		if p.svc.Name == name {
			return p.Spec
		}
	}
	t.Fatalf("no pod for service %s", name)
	return nil
}

// object returns the emitted object of kind/name, or nil.
func (r *cfgRun) object(kind, name string) Object {
	for _, o := range r.b.objs {
		if o.GetObjectKind().GroupVersionKind().Kind == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// names lists the emitted objects as Kind/name.
func (r *cfgRun) names() []string {
	var out []string
	for _, o := range r.b.objs {
		out = append(out, o.GetObjectKind().GroupVersionKind().Kind+"/"+o.GetName())
	}
	return out
}

// svc is a one-container service literal.
func svc(name string, env []model.EnvVar, mounts ...model.Mount) *model.Service {
	return &model.Service{Name: name, Field: "services." + name, Containers: []model.Container{{
		Name: name, Field: "services." + name, Image: name + ":1", Env: env, Mounts: mounts, Essential: true}}}
}

// ev is a variable of service s with its field path.
func ev(s, name, value string) model.EnvVar {
	return model.EnvVar{Name: name, Value: value, Field: "services." + s + ".environment." + name}
}
