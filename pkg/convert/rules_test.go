package convert

import (
	"fmt"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestDNSLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"web", "web"},
		{"My_Service", "my-service"},
		{"../../x", "x"},
		{"a--b", "a-b"},
		{"9lives", "svc-9lives"},
		{"---", "svc"},
		{"ünïcode", "n-code"},
		{"a123456789012345678901234567890123456789012345678901234567890", "a123456789012345678901234567890123456789012345678901"},
	} {
		if got := dnsLabel(tc.in, maxName, "svc"); got != tc.want {
			t.Errorf("dnsLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUniqueNames(t *testing.T) {
	got := uniqueNames([]string{"web_1", "Web-1", "web.1", "db"}, maxName, "svc")
	want := map[string]string{"Web-1": "web-1", "db": "db", "web.1": "web-1-2", "web_1": "web-1-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uniqueNames (-want +got):\n%s", diff)
	}
	// Order of the input must not matter.
	again := uniqueNames([]string{"web.1", "db", "web_1", "Web-1"}, maxName, "svc")
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("uniqueNames depends on input order:\n%s", diff)
	}
}

func TestPortName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http", "http"}, {"HTTP_Admin", "http-admin"}, {"5432", ""}, {"a-very-long-port-name", "a-very-long-por"},
	} {
		if got := portName(tc.in); got != tc.want {
			t.Errorf("portName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPullPolicy(t *testing.T) {
	for _, tc := range []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"postgres:16", corev1.PullAlways},
		{"node:20-alpine", corev1.PullAlways},
		{"python:alpine", corev1.PullAlways},
		{"v2:v3", corev1.PullAlways},
		{"postgres:16.4", corev1.PullIfNotPresent}, // PostgreSQL's 16.4 is a patch release
		{"mariadb:10.11", corev1.PullAlways},       // patch releases land under major.minor
		{"ghcr.io/acme/proxy:3.6", corev1.PullAlways},
		{"valkey/valkey:8.0-alpine", corev1.PullAlways},
		{"acme/app:v2.0", corev1.PullAlways},
		{"mariadb:10.11.9", corev1.PullIfNotPresent},
		{"minio/minio:RELEASE.2024-10-13T13-34-11Z", corev1.PullIfNotPresent},
		{"debian:bookworm-20240101", corev1.PullIfNotPresent},
		{"postgres:16-alpine", corev1.PullAlways},
		{"redis:7.4.1-alpine", corev1.PullIfNotPresent},
		{"localhost:5000/app", corev1.PullAlways},
		{"localhost:5000/app:1.2.3", corev1.PullIfNotPresent},
		{"nginx@sha256:abc", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:abc", corev1.PullIfNotPresent},
	} {
		if got := pullPolicy(tc.image); got != tc.want {
			t.Errorf("pullPolicy(%q) = %s, want %s", tc.image, got, tc.want)
		}
	}
}

func TestParseImage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want imageRef
	}{
		{"postgres", imageRef{Repo: "postgres"}},
		{"docker.io/library/postgres:16", imageRef{Repo: "postgres", Tag: "16"}},
		{"ghcr.io/org/app:1.0@sha256:ab", imageRef{Repo: "org/app", Tag: "1.0", Digest: "sha256:ab"}},
		{"localhost:5000/app", imageRef{Repo: "app"}},
		{"bitnami/postgresql:16", imageRef{Repo: "bitnami/postgresql", Tag: "16"}},
	} {
		if diff := cmp.Diff(tc.want, parseImage(tc.in)); diff != "" {
			t.Errorf("parseImage(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestMemoryQuantity(t *testing.T) {
	for _, tc := range []struct {
		bytes int64
		want  string
	}{
		{256 << 20, "256Mi"}, {1536 << 20, "1536Mi"}, {2 << 30, "2Gi"}, {300000000, "300M"}, {512, "512"},
	} {
		if got := memory(tc.bytes); got.String() != tc.want {
			t.Errorf("memory(%d) = %s, want %s", tc.bytes, got.String(), tc.want)
		}
	}
}

func TestServicePorts(t *testing.T) {
	b := &builder{app: &model.App{}}
	for _, tc := range []struct {
		name  string
		image string
		ports []model.Port
		want  []string // name/port/protocol/http/published
	}{
		{"image table", "postgres:16", nil, []string{"postgres/5432/TCP/false/[]"}},
		{"rabbitmq two ports", "rabbitmq:3-management", nil, []string{"amqp/5672/TCP/false/[]", "management/15672/TCP/true/[]"}},
		{"declared ports win over the table", "redis", []model.Port{{Target: 6380, Source: model.FromExpose}}, []string{"tcp-6380/6380/TCP/false/[]"}},
		{"unknown image, no ports", "acme/app", nil, nil},
		{"published http", "acme/app", []model.Port{{Target: 8080, Published: "80"}}, []string{"http/8080/TCP/true/[80]"}},
		{"name collisions", "acme/app", []model.Port{{Target: 80}, {Target: 8080}, {Target: 53, Protocol: model.UDP}, {Target: 53}},
			[]string{"http/80/TCP/true/[]", "http-8080/8080/TCP/true/[]", "udp-53/53/UDP/false/[]", "tcp-53/53/TCP/false/[]"}},
		{"same port twice published", "acme/app", []model.Port{{Target: 80, Published: "80"}, {Target: 80, Published: "8080"}},
			[]string{"http/80/TCP/true/[80 8080]"}},
		{"loopback only is not public", "acme/app", []model.Port{{Target: 80, Published: "80", HostIP: "127.0.0.1"}}, []string{"http/80/TCP/true/[]"}},
		{"app protocol", "acme/app", []model.Port{{Target: 9090, AppProtocol: "grpc"}}, []string{"grpc/9090/TCP/false/[]"}},
		{"range publishes first", "acme/app", []model.Port{{Target: 9000, Published: "9000-9001"}}, []string{"tcp-9000/9000/TCP/false/[9000]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := service("s", tc.image, 1)
			s.Main().Ports = tc.ports
			var got []string
			for _, lp := range b.servicePorts(s) {
				got = append(got, fmtPort(lp))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
		})
	}
}

func fmtPort(lp *listenPort) string {
	return fmt.Sprintf("%s/%d/%s/%t/%v", lp.Name, lp.Port, lp.Protocol, lp.HTTP, lp.Published)
}
