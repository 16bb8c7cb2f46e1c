package convert_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// convertFiles writes files (compose.yaml and what it mounts) to a project directory, loads
// it with the real loader and converts it.
func convertFiles(t *testing.T, files map[string]string, opts convert.Options) *convert.Result {
	t.Helper()
	res, err := convert.Convert(loadFiles(t, files), opts)
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	return res
}

// loadFiles writes files to a project directory and loads it with the real loader.
func loadFiles(t *testing.T, files map[string]string) *model.App {
	t.Helper()
	dir := t.TempDir()
	golden.WriteTree(t, dir, files)
	app, err := compose.Load(context.Background(), compose.Options{Files: []string{filepath.Join(dir, "compose.yaml")}, Environ: []string{"PWD=/"}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return app
}

// servicePorts maps each Service of res to its ports.
func servicePorts(res *convert.Result) map[string][]int32 {
	out := map[string][]int32{}
	for _, o := range res.Objects {
		if s, ok := o.(*corev1.Service); ok && s.Spec.ClusterIP != corev1.ClusterIPNone {
			for _, p := range s.Spec.Ports {
				out[s.Name] = append(out[s.Name], p.Port)
			}
			sort.Slice(out[s.Name], func(i, j int) bool { return out[s.Name][i] < out[s.Name][j] })
		}
	}
	return out
}

// warnings returns the messages of res's warnings that contain sub.
func warnings(res *convert.Result, sub string) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, sub) {
			out = append(out, d)
		}
	}
	return out
}

func TestConnectionPortsFromEvidence(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  proxy:
    image: nginx:1.27.3
    ports: ["8080:80"]
    volumes: ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
  caddy:
    image: caddy:2.8.4
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile:ro"]
  api:
    image: acme/api:1.0.0
    expose: ["9090"]
  dashboard:
    image: acme/dashboard:1.0.0
  worker:
    image: acme/worker:1.0.0
    environment:
      DB_HOST: db
      DB_PORT: "5433"
      METRICS_URL: http://api:9100/metrics
  db:
    image: acme/pg:1.0.0
  files:
    image: acme/files:1.0.0
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:9333/status"]
`,
		"nginx.conf": "server {\n  location / { proxy_pass http://api:3000; }\n}\n",
		"Caddyfile":  ":80 {\n  reverse_proxy dashboard:3000\n}\n",
	}, convert.Options{})
	got := servicePorts(res)
	want := map[string][]int32{
		"api":       {3000, 9090, 9100}, // declared 9090; nginx dials 3000, worker 9100
		"caddy":     {80, 443},          // image table
		"dashboard": {3000},             // the Caddyfile dials it
		"db":        {5433},             // DB_HOST + DB_PORT
		"files":     {9333},             // its own healthcheck on localhost
		"proxy":     {80},
	}
	for k := range got {
		if strings.HasSuffix(k, "-public") {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Service ports (-want +got):\n%s", diff)
	}
	if w := warnings(res, "will not resolve"); len(w) != 0 {
		t.Errorf("unexpected unresolved warnings: %v", w)
	}
	var edges []string
	for _, c := range res.Connections {
		edges = append(edges, c.From+"->"+c.Address+"="+c.Service)
	}
	wantEdges := []string{"caddy->dashboard:3000=dashboard", "proxy->api:3000=api", "worker->api:9100=api", "worker->db:5433=db"}
	if diff := cmp.Diff(wantEdges, edges); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
}

func TestConnectionUnresolvedOneWarning(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  web:
    image: acme/web:1.0.0
    environment:
      CACHE_URL: redis://cache:6379/0
      API: http://api.example.com/v1
  worker:
    image: acme/worker:1.0.0
    environment:
      REDIS_HOST: cache
      REDIS_PORT: "6379"
`}, convert.Options{})
	w := warnings(res, "will not resolve")
	if len(w) != 1 {
		t.Fatalf("got %d unresolved-address warnings, want 1 (one per address): %v", len(w), w)
	}
	for _, sub := range []string{"cache:6379", "web (services.web.environment.CACHE_URL)", "worker (services.worker.environment.REDIS_HOST)"} {
		if !strings.Contains(w[0].Message, sub) {
			t.Errorf("warning %q does not name %q", w[0].Message, sub)
		}
	}
	t.Log(w[0])
	if strings.Contains(w[0].Message, "api.example.com") {
		t.Errorf("a public name is reported as unresolved: %s", w[0].Message)
	}
}

// TestConnectionCommandOptionsAreNotHosts: commands carry key:value options (OpenCTI's key
// generator runs openssl -pkeyopt rsa_keygen_bits:4096). A name with '_' in a command or a
// healthcheck that names nothing of the app is no host name, so no dial; in a variable it
// still is (an old Compose container name such as other_db_1), and a service named with '_'
// is still dialed from a command.
func TestConnectionCommandOptionsAreNotHosts(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  keygen:
    image: alpine/openssl:3.5.0
    entrypoint: ["/bin/ash"]
    command: ["-c", "openssl genpkey -algorithm RSA -out /keys/k.pem -pkeyopt rsa_keygen_bits:4096 && nc -z my_db:5432"]
    healthcheck:
      test: ["CMD-SHELL", "openssl genpkey -pkeyopt rsa_keygen_bits:2048 -out /dev/null"]
  my_db:
    image: postgres:17.5
  app:
    image: acme/app:1.0.0
    environment:
      LEGACY: other_db_1:5432
`}, convert.Options{})
	var got []string
	for _, d := range warnings(res, "will not resolve") {
		got = append(got, d.Field)
	}
	// my_db is the app's, but no Service can carry its name: a warning of its own (and a
	// command is not rewritten)
	want := []string{"services.keygen.command", "services.app.environment.LEGACY"} // diagnostics sort by position
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unresolved addresses by field (-want +got):\n%s", diff)
	}
	dialed := false
	for _, c := range res.Connections {
		if strings.Contains(c.Address, "rsa_keygen_bits") {
			t.Errorf("an openssl option became a connection: %+v", c)
		}
		if c.From == "keygen" && c.Address == "my_db:5432" && c.To == "my_db" {
			dialed = true
		}
	}
	if !dialed {
		t.Errorf("keygen's command dials service my_db:5432: want that connection, got %+v", res.Connections)
	}
}

func TestConnectionNamesComposeServes(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  app_db:
    image: postgres:16.4
    container_name: pgmain
  search:
    image: acme/search:1.0.0
    hostname: finder
    expose: ["7700"]
  web:
    image: acme/web:1.0.0
    environment:
      PGHOST: pgmain
      SEARCH_URL: http://finder:7700
      DB_HOST: app_db
`}, convert.Options{})
	got := servicePorts(res)
	for name, want := range map[string][]int32{"pgmain": {5432}, "finder": {7700}, "app-db": {5432}} {
		if diff := cmp.Diff(want, got[name]); diff != "" {
			t.Errorf("Service %s ports (-want +got):\n%s", name, diff)
		}
	}
	// app_db cannot be a Service name: the value becomes app-db, with a warning saying so
	if w := warnings(res, "will not resolve"); len(w) != 0 {
		t.Errorf("unresolved: %v", w)
	}
	if w := warnings(res, "app_db became app-db"); len(w) != 1 {
		t.Errorf("want one warning saying app_db became app-db, got %v", w)
	}
}

func TestConnectionPortlessTargetOneWarning(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  mystery:
    image: acme/mystery:1.0.0
  a:
    image: acme/a:1.0.0
    environment: {MYSTERY_HOST: mystery}
  b:
    image: acme/b:1.0.0
    environment: {MYSTERY_HOST: mystery}
`}, convert.Options{})
	w := warnings(res, "gets no Service")
	if len(w) != 1 || !strings.Contains(w[0].Message, "a dials it by name (") || !strings.Contains(w[0].Message, "b dials it by name (") {
		t.Errorf("want one warning naming both dialers, got %v", w)
	}
}

func TestHealthcheckSelfDialBecomesLocalhost(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  files:
    image: acme/files:1.0.0
    expose: ["9333"]
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://files:9333/ || exit 1"]
`}, convert.Options{})
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok {
			c := d.Spec.Template.Spec.Containers[0]
			for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
				if got := strings.Join(p.Exec.Command, " "); !strings.Contains(got, "http://localhost:9333/") {
					t.Errorf("probe command %q still dials the service by name", got)
				}
			}
			return
		}
	}
	t.Fatal("no Deployment")
}

func TestPortlessServiceOneWarningListsEveryUser(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  queue-worker:
    image: acme/worker:1.0.0
  a:
    image: acme/a:1.0.0
    depends_on: [queue-worker]
  b:
    image: acme/b:1.0.0
    depends_on: [queue-worker]
    links: [queue-worker]
  c:
    image: acme/c:1.0.0
    environment: {WORKER_HOST: queue-worker}
`}, convert.Options{})
	w := warnings(res, `"queue-worker" gets no Service`)
	if len(w) != 1 {
		t.Fatalf("got %d warnings about queue-worker, want 1 listing every user: %v", len(w), w)
	}
	for _, sub := range []string{"a waits for its rollout", "b waits for its rollout", "b links to it", "c dials it by name"} {
		if !strings.Contains(w[0].Message, sub) {
			t.Errorf("the warning does not list %q: %s", sub, w[0].Message)
		}
	}
}

// depends_on's restart: true has no Kubernetes equivalent: one warning naming the flag (the
// path the loader recorded), for the dependency that sets it.
func TestDependsOnRestartWarns(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `services:
  api: {image: acme/api:1.0.0, depends_on: {db: {condition: service_started, restart: true}, cache: {condition: service_started}}}
  db: {image: postgres:16.4}
  cache: {image: redis:7.4}
`}, convert.Options{})
	w := warnings(res, "restart: true is not converted")
	if len(w) != 1 || w[0].Field != "services.api.depends_on.db.restart" || w[0].Pos.Line == 0 {
		t.Errorf("warnings %+v, want one at services.api.depends_on.db.restart, positioned", w)
	}
}

// TestConnectionWellKnownDaemonPort: Apache Guacamole's web app reaches its proxy daemon by a
// host variable alone (GUACD_HOSTNAME=guacd, no port variable); the daemon's image declares no
// port in Compose. The table of well-known images gives guacd its port 4822, so it gets a
// Service and the dial resolves.
func TestConnectionWellKnownDaemonPort(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  guacd:
    image: guacamole/guacd:1.6.0
  guacamole:
    image: guacamole/guacamole:1.6.0
    environment:
      GUACD_HOSTNAME: guacd
    ports: ["8080:8080"]
`}, convert.Options{})
	if w := warnings(res, "guacd"); len(w) != 0 {
		t.Errorf("want no warning about guacd, got %v", w)
	}
	if diff := cmp.Diff([]int32{4822}, servicePorts(res)["guacd"]); diff != "" {
		t.Errorf("Service guacd ports (-want +got):\n%s", diff)
	}
}

// nginx upstream blocks (BookWyrm): the server lines inside a block are dials even where the
// block is named after its host (upstream web { server web:8000; }), and a pass to the block
// in another mounted file (proxy_pass http://web) names the block, not web:80.
func TestConnectionNginxUpstreamAcrossFiles(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  nginx:
    image: nginx:1.27.3
    ports: ["80:80"]
    volumes:
      - ./server_config:/etc/nginx/conf.d/server_config
      - ./locations:/etc/nginx/conf.d/locations
  web:
    image: acme/web:1.0
  flower:
    image: acme/flower:1.0
`,
		"server_config": "upstream web {\n    server web:8000;\n}\nupstream flower {\n    server flower:8888;\n}\n",
		"locations":     "location / { proxy_pass http://web; }\nlocation /flower/ { proxy_pass http://flower; }\n",
	}, convert.Options{})
	got := servicePorts(res)
	for k := range got {
		if strings.HasSuffix(k, "-public") {
			delete(got, k)
		}
	}
	want := map[string][]int32{"flower": {8888}, "web": {8000}, "nginx": {80}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Service ports (-want +got):\n%s", diff)
	}
}
