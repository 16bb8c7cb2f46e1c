package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

func TestAddrsIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []addr
	}{
		{"postgres://user:s3cret@db:5432/app", []addr{{"db", 5432}}},
		{"postgresql://user:pa:ss@db/app?sslmode=disable", []addr{{"db", 5432}}},
		{"redis://cache", []addr{{"cache", 6379}}},
		{"amqp://guest:guest@mq:5672//", []addr{{"mq", 5672}}},
		{"mongodb://u:p@mongo1:27017,mongo2:27018/db?replicaSet=rs", []addr{{"mongo1", 27017}, {"mongo2", 27018}}},
		{"mysql://root@tcp(db:3306)/x", []addr{{"db", 3306}}}, // the Go driver's DSN
		{"PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092", []addr{{"kafka", 29092}, {"localhost", 9092}}},
		{"kafka:9092", []addr{{"kafka", 9092}}},
		{"--broker=kafka:9092 --db db:5432/x", []addr{{"kafka", 9092}, {"db", 5432}}},
		{"http://api:8080/v1", []addr{{"api", 8080}}},
		{"https://example.com", []addr{{"example.com", 443}}},
		// not addresses: times, a password that starts with digits, PATH, ratios
		{"12:30:00", nil},
		{"user:5432pass", nil},
		{"/usr/bin:/bin", nil},
		{"sha256:abcdef", nil},
		{"", nil},
		// schemes that name no network peer: a path, a bucket
		{"file://profiles", nil},
		{"s3://bucket/key", nil},
		{"file:///data/x, then http://api:8080", []addr{{"api", 8080}}},
	} {
		if diff := cmp.Diff(tc.want, addrsIn(tc.in), cmp.AllowUnexported(addr{})); diff != "" {
			t.Errorf("addrsIn(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestAddrsInNeverReturnsUserinfo(t *testing.T) {
	for _, v := range []string{"postgres://admin:hunter2@db:5432/x", "redis://:hunter2@cache:6379", "amqp://u:hunter2:5672@mq"} {
		for _, a := range addrsIn(v) {
			if strings.Contains(a.Host, "hunter2") || strings.Contains(a.Host, "admin") {
				t.Errorf("addrsIn(%q) returned %v: part of the userinfo", v, a)
			}
		}
	}
}

func TestArgAddrs(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want []addr
	}{
		{[]string{"pg_isready", "-h", "db", "-p", "5433", "-U", "app"}, []addr{{"db", 5433}}},
		{[]string{"psql", "-p", "5432", "-h", "127.0.0.1"}, []addr{{"127.0.0.1", 5432}}},
		{[]string{"mysqladmin", "ping", "-h", "db", "-P", "3307", "-psecret"}, []addr{{"db", 3307}}},
		{[]string{"redis-cli", "--host=cache", "ping"}, []addr{{"cache", 0}}},
		{[]string{"curl", "-f", "-H", "Host: x", "http://localhost:8080/health"}, []addr{{"localhost", 8080}}},
		{[]string{"wait-for-it", "db:5432", "--", "npm", "start"}, []addr{{"db", 5432}}},
	} {
		if diff := cmp.Diff(tc.want, argAddrs(tc.argv), cmp.AllowUnexported(addr{})); diff != "" {
			t.Errorf("argAddrs(%q) (-want +got):\n%s", tc.argv, diff)
		}
	}
}

func TestHostVars(t *testing.T) {
	for _, tc := range []struct {
		name, port string
		ok         bool
	}{
		{"DB_HOST", "DB_PORT", true}, {"PGHOST", "PGPORT", true}, {"HOST", "PORT", true},
		{"REDIS_HOSTNAME", "REDIS_PORT", true}, {"SMTP_SERVER", "SMTP_PORT", true}, {"KAFKA_ADDR", "KAFKA_PORT", true},
		{"SERVER", "", false}, {"DB_NAME", "", false},
	} {
		port, ok := hostVar(tc.name)
		if ok != tc.ok || port != tc.port {
			t.Errorf("hostVar(%q) = %q, %v, want %q, %v", tc.name, port, ok, tc.port, tc.ok)
		}
	}
	for _, n := range []string{"HOSTNAME", "LISTEN_HOST", "BIND_ADDR", "VIRTUAL_HOST", "ALLOWED_HOSTS", "PUBLIC_HOST", "KAFKA_ADVERTISED_HOST_NAME", "APP_BASE_URL", "KAFKA_LISTENERS", "RABBITMQ_DEFAULT_VHOST", "RABBITMQ_VHOST"} {
		if !notDialVar(n) {
			t.Errorf("notDialVar(%q) = false: it does not name an address the container dials", n)
		}
	}
	for _, n := range []string{"DATABASE_URL", "DB_HOST", "REDIS_URL", "PUBLISHER_URL"} {
		if notDialVar(n) {
			t.Errorf("notDialVar(%q) = true: it names an address the container dials", n)
		}
	}
	if got := hostValue("true"); got != nil {
		t.Errorf("hostValue(true) = %v, want nil", got)
	}
	if got := hostValue("0.0.0.0"); got != nil {
		t.Errorf("hostValue(0.0.0.0) = %v, want nil", got)
	}
}

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
		want       []addr
	}{
		{"/etc/nginx/conf.d/default.conf", nginx, []addr{{"api", 3000}, {"api2", 3000}, {"web", 8080}, {"php", 9000}, {"dashboard", 3001}}},
		{"/etc/caddy/Caddyfile", caddy, []addr{{"api", 8080}, {"dashboard", 80}, {"php", 9000}}},
		{"/usr/local/etc/haproxy/haproxy.cfg", haproxy, []addr{{"app1", 8080}, {"app2", 8080}}},
		{"/etc/prometheus/prometheus.yml", prom, []addr{{"api", 9100}, {"worker", 9100}, {"prometheus", 9090}}},
		{"/app/README.md", "see http://docs:80", nil},
	} {
		var got []addr
		for _, fa := range fileAddrs(tc.name, []byte(tc.text)) {
			got = append(got, fa.addr)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(addr{})); diff != "" {
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
