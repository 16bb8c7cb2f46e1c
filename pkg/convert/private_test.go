package convert_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

const dataStores = `
services:
  web:
    image: acme/web:1.0.0
    ports: ["8080:8080"]
  db:
    image: postgres:16.4
    ports: ["15432:5432"]
  cache:
    image: valkey/valkey:8.0.1-alpine
    ports: ["6379:6379"]
  mq:
    image: rabbitmq:3.13.7-management
    ports: ["5672:5672", "15672:15672"]
  s3:
    image: minio/minio:RELEASE.2024-10-13T13-34-11Z
    ports: ["9000:9000", "9001:9001"]
  search:
    image: elasticsearch:8.15.3
    ports: ["9200:9200"]
  custom:
    image: acme/pgbouncer:1.0.0
    ports: ["6432:5432"]
  vec:
    image: qdrant/qdrant:v1.12.1
    ports: ["6333:6333"]
  broker:
    image: confluentinc/cp-kafka:7.7.1
    ports: ["9092:9092", "9101:9101"]
`

// publicPorts lists what res makes reachable from outside: Ingress hosts' backends and the
// ports of LoadBalancer/NodePort Services, as object/port.
func publicPorts(res *convert.Result) []string {
	var out []string
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *corev1.Service:
			if x.Spec.Type == corev1.ServiceTypeLoadBalancer || x.Spec.Type == corev1.ServiceTypeNodePort {
				for _, p := range x.Spec.Ports {
					out = append(out, x.Name+"/"+p.TargetPort.String())
				}
			}
		case *networkingv1.Ingress:
			for _, r := range x.Spec.Rules {
				b := r.HTTP.Paths[0].Backend.Service
				out = append(out, fmt.Sprintf("ingress:%s/%d", b.Name, b.Port.Number))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestDataStoresStayPrivate(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": dataStores}, convert.Options{})
	want := []string{
		"ingress:mq/15672", // rabbitmq's management UI is not the data port
		"ingress:s3/9001",  // minio's console (HTTP) is not its API
		"ingress:web/8080",
	}
	if diff := cmp.Diff(want, publicPorts(res)); diff != "" {
		t.Errorf("public ports (-want +got):\n%s", diff)
	}
	w := warnings(res, "data store: published")
	got := map[string]int{}
	for _, d := range w {
		got[d.Service]++
	}
	// broker: Kafka's JMX port 9101 is not in the image table, but every port of a data store's
	// image but its management UI is its inside
	wantWarn := map[string]int{"db": 1, "cache": 1, "mq": 1, "s3": 1, "search": 1, "custom": 1, "vec": 1, "broker": 1}
	if diff := cmp.Diff(wantWarn, got); diff != "" {
		t.Errorf("data-store warnings per service (-want +got):\n%s\n%v", diff, w)
	}
	for _, d := range w {
		if d.Service == "db" && !strings.Contains(d.Message, "kubectl port-forward svc/db 5432") {
			t.Errorf("the warning does not say how to reach the port: %s", d.Message)
		}
	}
	// the ClusterIP Services still serve every port
	ports := servicePorts(res)
	for svc, p := range map[string]int32{"db": 5432, "cache": 6379, "mq": 5672, "s3": 9000, "search": 9200, "custom": 5432, "vec": 6333, "broker": 9101} {
		if !slices.Contains(ports[svc], p) {
			t.Errorf("Service %s ports %v, want %d", svc, ports[svc], p)
		}
	}
}

func TestDataStoresPublishedOnPurpose(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": dataStores}, convert.Options{Expose: convert.ExposeLoadBalancer})
	got := publicPorts(res)
	for _, p := range []string{"db-public/5432", "cache-public/6379", "mq-public/5672", "search-public/9200"} {
		if !slices.Contains(got, p) {
			t.Errorf("--expose loadbalancer: %s is not public: %v", p, got)
		}
	}
	if w := warnings(res, "data store: published"); len(w) != 0 {
		t.Errorf("--expose asked for exposure, yet: %v", w)
	}
	res = convertFiles(t, map[string]string{"compose.yaml": strings.Replace(dataStores, "ports: [\"15432:5432\"]",
		"ports: [\"15432:5432\"]\n    x-berth:\n      expose: loadbalancer", 1)}, convert.Options{})
	if got := publicPorts(res); !slices.Contains(got, "db-public/5432") || slices.Contains(got, "cache-public/6379") {
		t.Errorf("x-berth.expose on db only: public ports %v, want db's and not cache's", got)
	}
}
