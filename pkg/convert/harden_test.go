package convert

import (
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/podsecurity"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func hardenApp() *model.App {
	app := stack()
	for _, s := range app.Services {
		switch s.Name {
		case "redis":
			s.Main().CapAdd = []string{"NET_ADMIN"}
		case "worker":
			s.Main().Privileged = true
		}
	}
	return app
}

func TestGoldenHarden(t *testing.T) {
	golden(t, "harden", hardenApp(), Options{Harden: true})
}

// TestHarden grades the hardened workloads with the Pod Security library: a numeric non-root
// user reaches restricted; an unknown user stays baseline with only runAsNonRoot missing; the
// input's cap_add and privileged are kept (and grade privileged).
func TestHarden(t *testing.T) {
	res, err := Convert(hardenApp(), Options{Harden: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := podsecurity.New()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var web podsecurity.Grade
	for _, o := range res.Objects {
		spec := PodSpec(o)
		if spec == nil {
			continue
		}
		gr := g.Grade(podMetaOf(o), spec)
		got[o.GetName()] = gr.Level
		if o.GetName() == "web" {
			web = gr
		}
		for _, c := range spec.Containers {
			if o.GetName() == "redis" && (c.SecurityContext == nil || len(c.SecurityContext.Capabilities.Drop) > 0) {
				t.Errorf("redis (cap_add NET_ADMIN) capabilities = %+v, want the input's add and no drop", c.SecurityContext)
			}
			if o.GetName() == "worker" && c.SecurityContext.AllowPrivilegeEscalation != nil {
				t.Errorf("privileged worker got allowPrivilegeEscalation %v", *c.SecurityContext.AllowPrivilegeEscalation)
			}
		}
		if spec.SecurityContext == nil || spec.SecurityContext.SeccompProfile == nil ||
			spec.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod seccomp profile not RuntimeDefault", o.GetName())
		}
	}
	want := map[string]string{"api": "restricted", "db": "baseline", "migrate": "baseline",
		"redis": "privileged", "web": "baseline", "worker": "privileged"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grades (-want +got):\n%s", diff)
	}
	if len(web.Restricted) != 1 {
		t.Errorf("hardened web: restricted rejects %q, want only runAsNonRoot", web.Restricted)
	}
}
