package convert

import (
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// netApp: web on front and back, db only on the internal network back, cache on back and the
// internal network store; jobs only on store.
func netApp() *model.App {
	web := service("web", "nginx:1.27.3", 2)
	web.Networks = []string{"back", "front"}
	db := service("db", "postgres:16", 5)
	db.Networks = []string{"back"}
	cache := service("cache", "redis:7", 8)
	cache.Networks = []string{"back", "store"}
	jobs := service("jobs", "example/jobs:1", 11)
	jobs.Networks = []string{"store"}
	svcs := []*model.Service{cache, db, jobs, web}
	in := fields(svcs...)
	for _, s := range svcs {
		for _, n := range s.Networks {
			in = append(in, diag.Field{Service: s.Name, Path: s.Field + ".networks." + n})
		}
	}
	in = append(in, diag.Field{Path: "networks.front"}, diag.Field{Path: "networks.back"}, diag.Field{Path: "networks.store"},
		diag.Field{Path: "networks.unused"})
	return composePaths(&model.App{Name: "shop", Source: model.Compose, Services: svcs, Inputs: in, Networks: []model.Network{
		{Name: "back", Internal: true, Field: "networks.back"},
		{Name: "front", Field: "networks.front"},
		{Name: "store", Internal: true, Field: "networks.store"},
		{Name: "unused", Field: "networks.unused"},
	}})
}

func policies(res *Result) map[string]*networkingv1.NetworkPolicy {
	out := map[string]*networkingv1.NetworkPolicy{}
	for _, o := range res.Objects {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			out[np.Name] = np
		}
	}
	return out
}

func accounts(res *Result) map[string]diag.Accounted {
	out := map[string]diag.Accounted{}
	for _, a := range res.Accounts {
		out[a.Path] = a
	}
	return out
}

func TestNetworkPoliciesObjects(t *testing.T) {
	on := true
	res, err := Convert(netApp(), Options{NetworkPolicies: &on})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range policies(res) {
		got = append(got, name)
	}
	// db is on the internal network back only: egress restricted; cache is on two internal
	// networks; web also on front keeps open egress, as in Compose; no policy for unused
	want := []string{"cache-egress", "db-egress", "jobs-egress", "shop-default-deny", "shop-network-back", "shop-network-front", "shop-network-store"}
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	acc := accounts(res)
	for path, want := range map[string]diag.Outcome{
		"networks.back": diag.Mapped, "networks.unused": diag.Ignored, "services.web.networks.front": diag.Mapped,
	} {
		if acc[path].Outcome != want {
			t.Errorf("%s: outcome %s, want %s (%v)", path, acc[path].Outcome, want, acc[path].Reasons)
		}
	}
	if tg := strings.Join(acc["networks.back"].Targets, " "); !strings.Contains(tg, "NetworkPolicy/db-egress") || strings.Contains(tg, "web-egress") {
		t.Errorf("networks.back targets %q: want db's egress policy and no web egress policy", tg)
	}
}

func TestNetworkPoliciesOff(t *testing.T) {
	off := false
	for _, opts := range []Options{{}, {NetworkPolicies: &off}} {
		app := netApp()
		on := true
		app.Options.NetworkPolicies = &on // x-berth on, the flag (second case) switches it off
		if opts.NetworkPolicies == nil {
			app.Options.NetworkPolicies = nil
		}
		res, err := Convert(app, opts)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(policies(res)); n != 0 {
			t.Errorf("%d NetworkPolicies with the option off", n)
		}
		for _, o := range res.Objects {
			for k := range podMetaOfOrEmpty(o) {
				if strings.HasPrefix(k, NetworkLabelPrefix) {
					t.Errorf("%s carries %s with policies off", o.GetName(), k)
				}
			}
		}
		a := accounts(res)["networks.back"]
		if a.Outcome != diag.Ignored || !strings.Contains(strings.Join(a.Reasons, ""), "--network-policies") {
			t.Errorf("networks.back: %s %v, want ignored naming --network-policies", a.Outcome, a.Reasons)
		}
	}
}

func TestNetworkPoliciesFromXBerth(t *testing.T) {
	app := netApp()
	on := true
	app.Options.NetworkPolicies = &on
	res, err := Convert(app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(policies(res)) == 0 {
		t.Error("x-berth.networkPolicies: true gave no NetworkPolicy")
	}
}

func TestNetworkPoliciesECS(t *testing.T) {
	app := netApp()
	app.Source = model.ECS
	on := true
	res, err := Convert(app, Options{NetworkPolicies: &on})
	if err != nil {
		t.Fatal(err)
	}
	if len(policies(res)) != 0 {
		t.Error("ECS input got NetworkPolicies")
	}
	found := false
	for _, d := range res.Diagnostics {
		found = found || d.Severity == diag.Warning && strings.Contains(d.Message, "ECS task definitions name no networks")
	}
	if !found {
		t.Error("no warning that ECS gets no NetworkPolicies")
	}
}

func TestNetworkLabelClash(t *testing.T) {
	app := netApp()
	app.Networks = append(app.Networks, model.Network{Name: "partners", External: true, ExternalName: "front", Field: "networks.partners"})
	app.Services[0].Networks = append(app.Services[0].Networks, "partners")
	on := true
	res, err := Convert(app, Options{NetworkPolicies: &on})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range res.Diagnostics {
		found = found || strings.Contains(d.Message, "share the pod label "+NetworkLabelPrefix+"front")
	}
	if !found {
		t.Errorf("no warning that front and partners share a label: %v", res.Diagnostics)
	}
}

func TestLabelName(t *testing.T) {
	long := strings.Repeat("n", 70)
	for _, in := range []string{"back", "front-tier", "my_net.v2", "_private", "-x-", long, long + "a"} {
		got := labelName(in)
		if errs := validation.IsQualifiedName(NetworkLabelPrefix + got); len(errs) > 0 {
			t.Errorf("labelName(%q) = %q: not a label key: %v", in, got, errs)
		}
		if len(validation.IsQualifiedName(in)) == 0 && got != in {
			t.Errorf("labelName(%q) = %q, want the name unchanged", in, got)
		}
	}
	if labelName(long) == labelName(long+"a") {
		t.Error("two long names share a label")
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func podMetaOfOrEmpty(o Object) map[string]string {
	if m := podMetaOf(o); m != nil {
		return m.Labels
	}
	return nil
}
