package convert

import (
	"testing"

	"github.com/berth-dev/berth/pkg/model"
)

func TestHealthEndpoint(t *testing.T) {
	exec := func(argv ...string) *model.Health { return &model.Health{Type: model.HealthExec, Command: argv} }
	shell := func(line string) *model.Health {
		return &model.Health{Type: model.HealthShell, Command: []string{line}}
	}
	tests := []struct {
		name string
		h    *model.Health
		want httpHealth
		ok   bool
	}{
		{"curl exec", exec("curl", "-f", "http://localhost:8080/healthz"), httpHealth{8080, "/healthz"}, true},
		{"wget spider", exec("wget", "-q", "--spider", "http://127.0.0.1/health"), httpHealth{80, "/health"}, true},
		{"shell or exit", shell("curl -f http://localhost:8080/ || exit 1"), httpHealth{8080, "/"}, true},
		{"no scheme", shell("curl -fsS localhost:8000/health"), httpHealth{8000, "/health"}, true},
		{"no path", shell("wget -q -O- localhost:8080"), httpHealth{8080, "/"}, true},
		{"option values skipped", exec("/usr/bin/curl", "-H", "Accept: text/plain", "-o", "/dev/null", "-m", "2", "http://0.0.0.0:9000/ready?full=1"), httpHealth{9000, "/ready"}, true},
		{"quoted url", shell(`curl --fail "http://localhost:3000/api/health"`), httpHealth{3000, "/api/health"}, true},
		{"explicit GET", exec("curl", "-X", "GET", "http://localhost:8080/h"), httpHealth{8080, "/h"}, true},
		{"POST", exec("curl", "-X", "POST", "http://localhost:8080/h"), httpHealth{}, false},
		{"data", exec("curl", "-d", "x=1", "http://localhost:8080/h"), httpHealth{}, false},
		{"https", exec("curl", "-k", "https://localhost:8443/h"), httpHealth{}, false},
		{"remote host", exec("curl", "-f", "http://example.com/h"), httpHealth{}, false},
		{"other tool", exec("pg_isready", "-U", "postgres"), httpHealth{}, false},
		{"pipe", shell("curl -s localhost:8080/h | grep ok"), httpHealth{}, false},
		{"and", shell("curl -f localhost:8080/h && test -f /ready"), httpHealth{}, false},
		{"variable", shell("curl -f http://localhost:$PORT/h"), httpHealth{}, false},
		{"two urls", exec("curl", "http://localhost/a", "http://localhost/b"), httpHealth{}, false},
		{"credentials", exec("curl", "http://u:p@localhost/a"), httpHealth{}, false},
		{"bad port", exec("curl", "http://localhost:99999/a"), httpHealth{}, false},
		{"disabled", &model.Health{Type: model.HealthNone}, httpHealth{}, false},
		{"nil", nil, httpHealth{}, false},
	}
	for _, tt := range tests {
		got, ok := healthEndpoint(tt.h)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: healthEndpoint = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestHealthCheckAnnotations: the ALB checks the healthcheck's path, on its own port when that
// is another port the service listens on; a port the service does not declare is not used.
func TestHealthCheckAnnotations(t *testing.T) {
	tests := []struct {
		name     string
		test     []string
		expose   []int32
		wantPath string
		wantPort string
	}{
		{"traffic port", []string{"curl", "-f", "http://localhost:8080/healthz"}, nil, "/healthz", ""},
		{"management port", []string{"curl", "-f", "http://localhost:9090/actuator/health"}, []int32{9090}, "/actuator/health", "9090"},
		{"undeclared port", []string{"curl", "-f", "http://localhost:9090/actuator/health"}, nil, "", ""},
		{"not http", []string{"pg_isready"}, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			web := service("web", "example/web:1", 2)
			web.Main().Ports = []model.Port{{Target: 8080, Published: "80", Protocol: model.TCP, Source: model.FromPorts, Field: "services.web.ports[0]"}}
			for i, p := range tt.expose {
				web.Main().Ports = append(web.Main().Ports, model.Port{Target: p, Protocol: model.TCP, Source: model.FromExpose, Field: "services.web.expose[" + string(rune('0'+i)) + "]"})
			}
			web.Main().Health = &model.Health{Type: model.HealthExec, Command: tt.test, Field: "services.web.healthcheck"}
			app := &model.App{Name: "shop", Source: model.Compose, Services: []*model.Service{web}, Inputs: fields(web)}
			res, err := Convert(app, Options{Provider: ProviderAWS, Domain: "example.com"})
			if err != nil {
				t.Fatal(err)
			}
			var a map[string]string
			for _, o := range res.Objects {
				if o.GetObjectKind().GroupVersionKind().Kind == "Ingress" {
					a = o.GetAnnotations()
				}
			}
			if a == nil {
				t.Fatal("no Ingress")
			}
			if got := a[albPrefix+"healthcheck-path"]; got != tt.wantPath {
				t.Errorf("healthcheck-path = %q, want %q", got, tt.wantPath)
			}
			if got := a[albPrefix+"healthcheck-port"]; got != tt.wantPort {
				t.Errorf("healthcheck-port = %q, want %q", got, tt.wantPort)
			}
		})
	}
}
