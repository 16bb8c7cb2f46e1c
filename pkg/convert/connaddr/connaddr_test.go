package connaddr

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddrsIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Addr
	}{
		{"postgres://user:s3cret@db:5432/app", []Addr{{"db", 5432}}},
		{"postgresql://user:pa:ss@db/app?sslmode=disable", []Addr{{"db", 5432}}},
		{"redis://cache", []Addr{{"cache", 6379}}},
		{"amqp://guest:guest@mq:5672//", []Addr{{"mq", 5672}}},
		{"mongodb://u:p@mongo1:27017,mongo2:27018/db?replicaSet=rs", []Addr{{"mongo1", 27017}, {"mongo2", 27018}}},
		{"mysql://root@tcp(db:3306)/x", []Addr{{"db", 3306}}}, // the Go driver's DSN
		{"PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092", []Addr{{"kafka", 29092}, {"localhost", 9092}}},
		{"kafka:9092", []Addr{{"kafka", 9092}}},
		{"--broker=kafka:9092 --db db:5432/x", []Addr{{"kafka", 9092}, {"db", 5432}}},
		{"http://api:8080/v1", []Addr{{"api", 8080}}},
		{"https://example.com", []Addr{{"example.com", 443}}},
		// not addresses: times, a password that starts with digits, PATH, ratios
		{"12:30:00", nil},
		{"user:5432pass", nil},
		{"/usr/bin:/bin", nil},
		{"sha256:abcdef", nil},
		{"", nil},
		// schemes that name no network peer: a path, a bucket
		{"file://profiles", nil},
		{"s3://bucket/key", nil},
		{"file:///data/x, then http://api:8080", []Addr{{"api", 8080}}},
	} {
		if diff := cmp.Diff(tc.want, In(tc.in)); diff != "" {
			t.Errorf("In(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestAddrsInNeverReturnsUserinfo(t *testing.T) {
	for _, v := range []string{"postgres://admin:hunter2@db:5432/x", "redis://:hunter2@cache:6379", "amqp://u:hunter2:5672@mq"} {
		for _, a := range In(v) {
			if strings.Contains(a.Host, "hunter2") || strings.Contains(a.Host, "admin") {
				t.Errorf("In(%q) returned %v: part of the userinfo", v, a)
			}
		}
	}
}

func TestArgAddrs(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want []Addr
	}{
		{[]string{"pg_isready", "-h", "db", "-p", "5433", "-U", "app"}, []Addr{{"db", 5433}}},
		{[]string{"psql", "-p", "5432", "-h", "127.0.0.1"}, []Addr{{"127.0.0.1", 5432}}},
		{[]string{"mysqladmin", "ping", "-h", "db", "-P", "3307", "-psecret"}, []Addr{{"db", 3307}}},
		{[]string{"redis-cli", "--host=cache", "ping"}, []Addr{{"cache", 0}}},
		{[]string{"curl", "-f", "-H", "Host: x", "http://localhost:8080/health"}, []Addr{{"localhost", 8080}}},
		{[]string{"wait-for-it", "db:5432", "--", "npm", "start"}, []Addr{{"db", 5432}}},
		// socat's address specifications: TYPE:host:port connects, *-LISTEN:port names no host
		{[]string{"TCP-LISTEN:3200,fork,reuseaddr TCP:minio:3200"}, []Addr{{"minio", 3200}}},
		{[]string{"socat", "TCP4-LISTEN:8080,fork", "tcp4:api:80"}, []Addr{{"api", 80}}},
		{[]string{"sh", "-c", "socat UDP-LISTEN:53,fork UDP:dns:53 & exec app --redis=cache:6379"}, []Addr{{"dns", 53}, {"cache", 6379}}},
	} {
		if diff := cmp.Diff(tc.want, InArgs(tc.argv)); diff != "" {
			t.Errorf("InArgs(%q) (-want +got):\n%s", tc.argv, diff)
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
		port, ok := HostVar(tc.name)
		if ok != tc.ok || port != tc.port {
			t.Errorf("HostVar(%q) = %q, %v, want %q, %v", tc.name, port, ok, tc.port, tc.ok)
		}
	}
	for _, n := range []string{"HOSTNAME", "LISTEN_HOST", "BIND_ADDR", "VIRTUAL_HOST", "ALLOWED_HOSTS", "PUBLIC_HOST", "KAFKA_ADVERTISED_HOST_NAME", "APP_BASE_URL", "KAFKA_LISTENERS", "RABBITMQ_DEFAULT_VHOST", "RABBITMQ_VHOST"} {
		if !NotDialVar(n) {
			t.Errorf("NotDialVar(%q) = false: it does not name an address the container dials", n)
		}
	}
	for _, n := range []string{"DATABASE_URL", "DB_HOST", "REDIS_URL", "PUBLISHER_URL"} {
		if NotDialVar(n) {
			t.Errorf("NotDialVar(%q) = true: it names an address the container dials", n)
		}
	}
	if got := HostValue("true"); got != nil {
		t.Errorf("HostValue(true) = %v, want nil", got)
	}
	if got := HostValue("0.0.0.0"); got != nil {
		t.Errorf("HostValue(0.0.0.0) = %v, want nil", got)
	}
}
