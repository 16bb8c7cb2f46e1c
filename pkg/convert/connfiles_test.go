package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

func TestFileAddrs(t *testing.T) {
	nginx := `upstream backend { server api:3000; server api2:3000 backup; }
upstream pool {
    server web:8080 max_fails=3;
}
server {
    listen 80;
    server_name example.com;
    # proxy_pass http://commented:1;
    location / { proxy_pass http://pool; }
    location /b { proxy_pass http://backend/; }
    location /php { fastcgi_pass php:9000; }
    location /direct { proxy_pass http://dashboard:3001; }
    location /var { proxy_pass http://$host$uri; }
    set $admin_backend "http://admin:3000";
    set $web_backend http://web-app;
    set $dyn http://$host;
    location /admin { proxy_pass $admin_backend; }
    location /web { proxy_pass $web_backend$request_uri; }
    location /dyn { proxy_pass $dyn; }
}`
	caddy := `example.com {
	reverse_proxy /api/* api:8080
	reverse_proxy @ws dashboard
	# reverse_proxy old:1
	php_fastcgi php:9000
}`
	haproxy := `backend app
    server s1 app1:8080 check
    server s2 app2:8080 check`
	prom := `scrape_configs:
  - job_name: api
    static_configs:
      - targets: ['api:9100', "worker:9100"]
datasources:
  - url: http://prometheus:9090
    name: x:1
`
	for _, tc := range []struct {
		name, text string
		want       []connaddr.Addr
	}{
		{"/etc/nginx/conf.d/default.conf", nginx, []connaddr.Addr{{Host: "api", Port: 3000}, {Host: "api2", Port: 3000}, {Host: "web", Port: 8080}, {Host: "php", Port: 9000}, {Host: "dashboard", Port: 3001},
			{Host: "admin", Port: 3000}, {Host: "web-app", Port: 80}}},
		{"/etc/caddy/Caddyfile", caddy, []connaddr.Addr{{Host: "api", Port: 8080}, {Host: "dashboard", Port: 80}, {Host: "php", Port: 9000}}},
		{"/usr/local/etc/haproxy/haproxy.cfg", haproxy, []connaddr.Addr{{Host: "app1", Port: 8080}, {Host: "app2", Port: 8080}}},
		{"/etc/prometheus/prometheus.yml", prom, []connaddr.Addr{{Host: "api", Port: 9100}, {Host: "worker", Port: 9100}, {Host: "prometheus", Port: 9090}}},
		{"/etc/nginx/nginx.conf", "upstream app {\n  server app:3000;\n}\nserver { location / { proxy_pass http://app; } }\n",
			[]connaddr.Addr{{Host: "app", Port: 3000}}}, // the block named after its host
		{"/app/README.md", "see http://docs:80", nil},
	} {
		var got []connaddr.Addr
		for _, fa := range fileAddrs(tc.name, []byte(tc.text), nil) {
			got = append(got, fa.Addr)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(connaddr.Addr{})); diff != "" {
			t.Errorf("fileAddrs(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestLocalProbe(t *testing.T) {
	names := []string{"files-api", "files"}
	for _, tc := range []struct {
		in, want []string
	}{
		{[]string{"/bin/sh", "-c", "curl -f http://files:9333/ || exit 1"}, []string{"/bin/sh", "-c", "curl -f http://localhost:9333/ || exit 1"}},
		{[]string{"wget", "-q", "--spider", "http://files-api:8080/health"}, []string{"wget", "-q", "--spider", "http://localhost:8080/health"}},
		{[]string{"pg_isready", "-h", "files", "-p", "5432"}, []string{"pg_isready", "-h", "localhost", "-p", "5432"}},
		{[]string{"/bin/sh", "-c", "redis-cli -h files ping"}, []string{"/bin/sh", "-c", "redis-cli -h localhost ping"}},
		{[]string{"nc", "-z", "files:9000"}, []string{"nc", "-z", "localhost:9000"}},
		// a process or file named like the service is not an address
		{[]string{"/bin/sh", "-c", "pgrep files && test -f /data/files"}, nil},
		{[]string{"curl", "http://other:80/"}, nil},
		{[]string{"curl", "http://filesystem:80/"}, nil},
	} {
		got, changed := localProbe(tc.in, names)
		want := tc.want
		if want == nil {
			want = tc.in
		}
		if diff := cmp.Diff(want, got); diff != "" || changed != (tc.want != nil) {
			t.Errorf("localProbe(%q) changed=%v (-want +got):\n%s", tc.in, changed, diff)
		}
	}
}

// TestPodLinksArePodLocal: containers of one ECS task linked by name (bridge mode) share the
// pod, where the link name is a hostAlias to 127.0.0.1: not an unresolved address.
func TestPodLinksArePodLocal(t *testing.T) {
	s := service("task", "acme/app:1.0.0", 1)
	s.PodLinks = []string{"fluentbit"}
	s.Main().Env = []model.EnvVar{{Name: "EMF_ENDPOINT", Value: "tcp://fluentbit:25888", Field: "containerDefinitions[1].environment[0]"},
		{Name: "OTHER_URL", Value: "http://collector:4318", Field: "containerDefinitions[1].environment[1]"}}
	a := app(s)
	a.Source = model.ECS
	res, err := Convert(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "will not resolve") {
			got = append(got, d.Field)
		}
	}
	if diff := cmp.Diff([]string{"containerDefinitions[1].environment[1]"}, got); diff != "" {
		t.Errorf("unresolved-address warnings (-want +got):\n%s", diff)
	}
}
