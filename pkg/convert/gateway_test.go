package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// gatewayApp has web and api sharing one host (different paths), an admin with two public
// HTTP ports, and a private db.
func gatewayApp() *model.App {
	web := service("web", "nginx:1.27.3", 2)
	web.Main().Ports = []model.Port{{Target: 80, Published: "8080", Protocol: model.TCP, Source: model.FromPorts, Field: "services.web.ports[0]"}}
	web.Main().Health = &model.Health{Type: model.HealthExec, Command: []string{"wget", "-q", "--spider", "http://127.0.0.1/healthz"},
		Field: "services.web.healthcheck"}
	web.Options.Host = "shop.example.com"
	api := service("api", "shop-api:1.0", 10)
	api.Main().Ports = []model.Port{{Target: 8000, Published: "8000", Protocol: model.TCP, Source: model.FromPorts, Field: "services.api.ports[0]"}}
	api.Options.Host = "shop.example.com"
	api.Options.Path = "/api"
	admin := service("admin", "shop-admin:1.0", 20)
	admin.Main().Ports = []model.Port{
		{Target: 8080, Published: "9080", Protocol: model.TCP, Source: model.FromPorts, Field: "services.admin.ports[0]"},
		{Target: 8081, Published: "9081", Protocol: model.TCP, Source: model.FromPorts, Field: "services.admin.ports[1]"}}
	db := service("db", "postgres:16", 30)
	svcs := []*model.Service{admin, api, db, web}
	in := fields(svcs...)
	return &model.App{Name: "shop", Source: model.Compose, Services: svcs, Inputs: in}
}

// TestGoldenGateway: the generic provider with cert-manager: HTTPS listeners per host with a
// Secret per service, routes on them, and a redirect from HTTP.
func TestGoldenGateway(t *testing.T) {
	golden(t, "gateway", gatewayApp(), Options{Routing: RoutingGateway, GatewayClass: "eg", Domain: "example.com",
		ClusterIssuer: "letsencrypt"})
}

// TestGoldenGatewayAWS: the AWS Load Balancer Controller's Gateway: the default class, a
// LoadBalancerConfiguration with the ACM certificate and source ranges, and per routed
// Service a TargetGroupConfiguration (ip targets, the health check path of web's healthcheck).
func TestGoldenGatewayAWS(t *testing.T) {
	golden(t, "gateway-aws", gatewayApp(), Options{Routing: RoutingGateway, Provider: ProviderAWS, Domain: "example.com",
		TLSCertARN: "arn:aws:acm:eu-west-1:123456789012:certificate/abc", SourceRanges: []string{"203.0.113.0/24"}})
}

func TestGateway(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		listeners []string
		parents   map[string]string // route → its parent section ("" = the whole Gateway)
	}{
		{"plain HTTP", Options{GatewayClass: "eg"}, []string{"http/HTTP/"},
			map[string]string{"admin": "", "admin-http-8081": "", "api": "", "web": ""}},
		{"TLS secret", Options{GatewayClass: "eg", TLSSecret: "wildcard"},
			[]string{"http/HTTP/", "https-admin/HTTPS/admin.example.com", "https-admin-http-8081/HTTPS/admin-http-8081.example.com", "https-api/HTTPS/shop.example.com"},
			map[string]string{"admin": "https-admin", "admin-http-8081": "https-admin-http-8081", "api": "https-api", "web": "https-api", "shop-https-redirect": "http"}},
		{"aws without certificate", Options{Provider: ProviderAWS}, []string{"http/HTTP/"},
			map[string]string{"admin": "", "admin-http-8081": "", "api": "", "web": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Routing, tt.opts.Domain = RoutingGateway, "example.com"
			res, err := Convert(gatewayApp(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var listeners []string
			parents := map[string]string{}
			for _, o := range res.Objects {
				switch x := o.(type) {
				case *gatewayv1.Gateway:
					for _, l := range x.Spec.Listeners {
						h := ""
						if l.Hostname != nil {
							h = string(*l.Hostname)
						}
						listeners = append(listeners, string(l.Name)+"/"+string(l.Protocol)+"/"+h)
					}
				case *gatewayv1.HTTPRoute:
					p := x.Spec.ParentRefs[0]
					if string(p.Name) != "shop" {
						t.Errorf("HTTPRoute %s parent %s, want the Gateway shop", x.Name, p.Name)
					}
					parents[x.Name] = ""
					if p.SectionName != nil {
						parents[x.Name] = string(*p.SectionName)
					}
				}
				if k := o.GetObjectKind().GroupVersionKind().Kind; k == "Ingress" {
					t.Errorf("--routing gateway emitted Ingress/%s", o.GetName())
				}
			}
			if diff := cmp.Diff(tt.listeners, listeners); diff != "" {
				t.Errorf("listeners (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.parents, parents); diff != "" {
				t.Errorf("route parents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatewayNeedsClass(t *testing.T) {
	_, err := Convert(gatewayApp(), Options{Routing: RoutingGateway})
	if err == nil || !strings.Contains(err.Error(), "--gateway-class") {
		t.Fatalf("err = %v, want one asking for --gateway-class", err)
	}
	// No public HTTP service: no Gateway, so no class is needed.
	app := gatewayApp()
	app.Services = app.Services[2:3]
	if _, err := Convert(app, Options{Routing: RoutingGateway}); err != nil {
		t.Fatalf("app without public HTTP services: %v", err)
	}
}
