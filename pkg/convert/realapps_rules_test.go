package convert_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Rules found by the real-app audit (audit_corpus_test.go, ../shared/corpus/realapps), each
// reduced to the smallest input that shows it.

// A short secret that is also a word of the app's paths (Sentry self-hosted: the object store's
// AWS_SECRET_ACCESS_KEY is "sentry", the workers run /etc/sentry/entrypoint.sh with
// SENTRY_CONF=/etc/sentry; the image is built locally, so no public name holds the word) must leave the paths alone: no $(VAR) in the command, no Secret for
// the path variable, no copy of the store's secret in the workers' Secrets.
func TestShortSecretIsNotAPathSegment(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  store:
    image: chrislusf/seaweedfs:3.80
    environment:
      AWS_SECRET_ACCESS_KEY: sentry
  worker:
    image: sentry-self-hosted-local
    entrypoint: /etc/sentry/entrypoint.sh
    command: ["run", "worker"]
    environment:
      SENTRY_CONF: /etc/sentry
`}, convert.Options{})
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *appsv1.Deployment:
			if x.Name != "worker" {
				continue
			}
			c := x.Spec.Template.Spec.Containers[0]
			if got := strings.Join(c.Command, " "); got != "/etc/sentry/entrypoint.sh" {
				t.Errorf("worker command %q, want /etc/sentry/entrypoint.sh", got)
			}
		case *corev1.Secret:
			if _, ok := x.StringData["SENTRY_CONF"]; ok {
				t.Errorf("Secret %s holds SENTRY_CONF, a path", x.Name)
			}
			if _, ok := x.Data["SENTRY_CONF"]; ok {
				t.Errorf("Secret %s holds SENTRY_CONF, a path", x.Name)
			}
			if _, ok := x.Data["AWS_SECRET_ACCESS_KEY"]; ok && x.Labels["app.kubernetes.io/name"] != "store" {
				t.Errorf("Secret %s (%v) copies the store's AWS_SECRET_ACCESS_KEY", x.Name, x.Labels)
			}
		}
	}
}

// deploy.restart_policy.condition on-failure cannot hold on a Deployment (its pods always
// restart): the report must not call it mapped.
func TestRestartPolicyConditionOnDeploymentIsPartial(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  web:
    image: nginx:1.27.3
    ports: ["8080:80"]
    deploy:
      restart_policy:
        condition: on-failure
`}, convert.Options{})
	found := false
	for _, a := range res.Accounts {
		if a.Path == "services.web.deploy.restart_policy.condition" {
			found = true
			if a.Outcome == diag.Mapped {
				t.Errorf("%s: mapped to %v, but a Deployment restarts always", a.Path, a.Targets)
			}
		}
	}
	if !found {
		t.Error("services.web.deploy.restart_policy.condition is not accounted")
	}
}

// The audit's metrics can fail: a credential the user marked plain counts 1; a one-shot
// (restart "no", no port) whose conversion is a Deployment with no warning counts 1 (berth
// itself warns or errors on every path there, so the conversion comes from the same service
// kept long-running on purpose without restart "no").
func TestAuditMetricsCanFail(t *testing.T) {
	files := map[string]string{"compose.yaml": `
services:
  api:
    image: acme/api:1.0.0
    environment:
      API_TOKEN: Zq7-long-Token-value
    x-berth:
      plainEnv: [API_TOKEN]
  migrate:
    image: acme/api:1.0.0
    command: ["./migrate"]
    x-berth:
      kind: Deployment
`}
	res := convertFiles(t, files, convert.Options{})
	files["compose.yaml"] = strings.Replace(files["compose.yaml"], "    x-berth:\n      kind: Deployment\n", "    restart: \"no\"\n", 1)
	app := loadFiles(t, files)
	row := audit(app, res)
	if row.oneShots != 1 || row.secrets != 1 {
		t.Errorf("one-shots as Deployments %d, secrets outside Secrets %d, want 1 and 1", row.oneShots, row.secrets)
	}
}

// A network alias that is not a DNS label (Jaeger's SPM example: prometheus scrapes
// spm_metrics_source:8889, an alias of jaeger) is rewritten to the Service's name in the
// mounted file berth turns into a ConfigMap: the address resolves, and one warning says what
// changed in the file.
func TestNonLabelAliasRewrittenInMountedFile(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  jaeger:
    image: jaegertracing/jaeger:2.1.0
    networks:
      backend:
        aliases: [spm_metrics_source]
    ports: ["16686:16686"]
    expose: ["8889"]
  prometheus:
    image: prom/prometheus:v3.0.1
    networks: [backend]
    volumes:
      - ./prometheus.yml:/etc/prometheus/prometheus.yml
networks:
  backend:
`,
		"prometheus.yml": "scrape_configs:\n  - job_name: aggregated-trace-metrics\n    static_configs:\n      - targets: ['spm_metrics_source:8889']\n",
	}, convert.Options{})
	if v := configMapFile(t, res, "targets:"); !strings.Contains(v, "['jaeger:8889']") {
		t.Errorf("prometheus.yml %q, want the target jaeger:8889", v)
	}
	if w := append(warnings(res, "will not resolve"), warnings(res, "clients using it need another name")...); len(w) != 0 {
		t.Errorf("the alias is still unresolved: %v", w)
	}
	if w := warnings(res, "spm_metrics_source became jaeger"); len(w) != 1 {
		t.Errorf("warnings saying the file changed: %v, want one", w)
	}
	for _, c := range res.Connections {
		if c.From == "prometheus" && c.Service != "jaeger" {
			t.Errorf("connection %+v, want it answered by Service jaeger", c)
		}
	}
}

// The same in a Compose config: a service named app_db (its Service is app-db) named in the
// config's content; the report says the file is partial, not mapped.
func TestNonLabelServiceRewrittenInConfig(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  app_db:
    image: postgres:16.4
  api:
    image: acme/api:1.0.0
    configs:
      - source: settings
        target: /etc/api/settings.yaml
configs:
  settings:
    file: ./settings.yaml
`,
		"settings.yaml": "database:\n  url: postgres://app_db:5432/api\n",
	}, convert.Options{})
	if v := configMapFile(t, res, "database:"); !strings.Contains(v, "postgres://app-db:5432/api") {
		t.Errorf("settings.yaml %q, want postgres://app-db:5432/api", v)
	}
	if w := warnings(res, "will not resolve"); len(w) != 0 {
		t.Errorf("app_db is still unresolved: %v", w)
	}
	for _, a := range res.Accounts {
		if a.Path == "configs.settings.file" && a.Outcome != diag.Partial {
			t.Errorf("%s: %s, want partial (the content changed)", a.Path, a.Outcome)
		}
	}
}

// In environment values too (Immich's older example.env: DB_HOSTNAME=immich_postgres, the
// database's container_name): the value becomes the Service's name, in ConfigMaps and Secrets
// alike, the address resolves, and the field is partial with a warning naming the change.
func TestNonLabelNameRewrittenInEnv(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  server:
    image: ghcr.io/immich-app/immich-server:v1.120.0
    ports: ["2283:2283"]
    environment:
      DB_HOSTNAME: immich_postgres
      DB_URL: postgres://postgres:Xy7-long-pass@immich_postgres:5432/immich
  database:
    container_name: immich_postgres
    image: postgres:16.4
`}, convert.Options{})
	var plain, secret string
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *corev1.ConfigMap:
			if v, ok := x.Data["DB_HOSTNAME"]; ok {
				plain = v
			}
		case *corev1.Secret:
			if v, ok := x.Data["DB_URL"]; ok {
				secret = string(v)
			}
		}
	}
	if plain != "database" || !strings.Contains(secret, "@database:5432/") {
		t.Errorf("DB_HOSTNAME %q, DB_URL %q: want the host database in both", plain, secret)
	}
	if w := warnings(res, "will not resolve"); len(w) != 0 {
		t.Errorf("still unresolved: %v", w)
	}
	if w := warnings(res, "immich_postgres became database"); len(w) != 2 {
		t.Errorf("warnings naming the change: %v, want one per variable", w)
	}
	for _, a := range res.Accounts {
		if a.Path == "services.server.environment.DB_HOSTNAME" && a.Outcome != diag.Partial {
			t.Errorf("%s: %s, want partial", a.Path, a.Outcome)
		}
	}
}

// The warnings that say what will not work as under Compose are marked Breaks (printed first):
// an address that resolves to nothing, a data store kept private, a mount that loses its
// content; advice is not.
func TestBreakingWarningsMarked(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  api:
    image: acme/api:1.0.0
    environment:
      CACHE_URL: redis://cache:6379
    volumes:
      - /etc:/etc/api
    ulimits:
      nofile: 65535
  db:
    image: postgres:16.4
    ports: ["5432:5432"]
`}, convert.Options{})
	got := map[string]bool{}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning {
			got[d.Field] = d.Breaks
		}
	}
	want := map[string]bool{"services.api.environment.CACHE_URL": true, "services.db.ports[0]": true,
		"services.api.volumes[0]": true, "services.api.ulimits.nofile": false}
	for f, b := range want {
		if v, ok := got[f]; !ok || v != b {
			t.Errorf("%s: breaks %v (present %v), want %v; all: %v", f, v, ok, b, got)
		}
	}
}

// configMapFile returns the ConfigMap value of res that contains marker, or fails.
func configMapFile(t *testing.T, res *convert.Result, marker string) string {
	t.Helper()
	for _, o := range res.Objects {
		if cm, ok := o.(*corev1.ConfigMap); ok {
			for _, v := range cm.Data {
				if strings.Contains(v, marker) {
					return v
				}
			}
		}
	}
	t.Fatalf("no ConfigMap holds %q", marker)
	return ""
}

// An image that is not an image reference (Apache Airflow's docker-compose.yaml as its
// repository holds it: apache/airflow:|version|, a placeholder its docs build fills in) cannot
// be pulled: the pods would sit in InvalidImageName. The conversion says so, as a warning that
// breaks, on the image field, and the report does not call the field mapped; a valid reference
// next to it gets no such warning.
func TestInvalidImageReferenceWarns(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  api:
    image: apache/airflow:|version|
  upper:
    image: Acme/App:1.0
  ok:
    image: registry.example.com:5000/acme/app:1.0
`}, convert.Options{})
	got := map[string]bool{}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, "is not an image reference") {
			got[d.Field] = d.Breaks
		}
	}
	want := map[string]bool{"services.api.image": true, "services.upper.image": true}
	if len(got) != len(want) {
		t.Errorf("invalid-image warnings on %v, want %v", got, want)
	}
	for f := range want {
		if !got[f] {
			t.Errorf("%s: no breaking invalid-image warning; got %v", f, got)
		}
	}
	for _, a := range res.Accounts {
		if a.Path == "services.api.image" && a.Outcome == diag.Mapped {
			t.Errorf("services.api.image reported mapped")
		}
	}
}

// pgvector/pgvector (Chatwoot's database) is PostgreSQL with an extension, built on the
// postgres image: a data store like postgres, so on a named volume it is a StatefulSet with a
// claim template, not a Deployment with a claim, and its data directory moves to a
// subdirectory of the volume (PGDATA) as postgres's does.
func TestPgvectorIsPostgres(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  db:
    image: pgvector/pgvector:pg16
    volumes:
      - db:/var/lib/postgresql/data
  app:
    image: acme/app:1.0
    environment:
      DATABASE_URL: postgres://app@db:5432/app
volumes:
  db:
`}, convert.Options{})
	var sts, svc bool
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *appsv1.StatefulSet:
			if x.Name != "db" {
				continue
			}
			sts = true
			var pgdata string
			for _, e := range x.Spec.Template.Spec.Containers[0].Env {
				if e.Name == "PGDATA" {
					pgdata = e.Value
				}
			}
			if pgdata != "/var/lib/postgresql/data/pgdata" {
				t.Errorf("db PGDATA %q, want /var/lib/postgresql/data/pgdata (initdb refuses the volume root's lost+found)", pgdata)
			}
		case *appsv1.Deployment:
			if x.Name == "db" {
				t.Errorf("db is a Deployment, want a StatefulSet")
			}
		case *corev1.Service:
			if x.Name == "db" {
				svc = len(x.Spec.Ports) == 1 && x.Spec.Ports[0].Port == 5432 && x.Spec.Type != corev1.ServiceTypeLoadBalancer
			}
		}
	}
	if !sts || !svc {
		t.Errorf("db: StatefulSet %v, private Service on 5432 %v; want both", sts, svc)
	}
}

// An image is known by what it runs (Monica: `app` is built FROM monica:fpm, no EXPOSE; nginx
// in `web` passes FastCGI to app:9000 from a config baked into its image). A php-fpm tag
// listens on 9000 (FastCGI, not HTTP), whatever its repository's default tag serves
// (wordpress:fpm is not on 80); an image built from a Dockerfile is known by the image its
// built stage starts FROM: a custom postgres keeps its data on a StatefulSet and private.
func TestImageKnownByWhatItRuns(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  app:
    build: ./app
    image: monica-app
  wp:
    image: wordpress:6-fpm-alpine
  db:
    build: ./db
    image: shop-db
    ports: ["5432:5432"]
    volumes: ["pgdata:/var/lib/postgresql/data"]
volumes:
  pgdata: {}
`,
		"app/Dockerfile": "FROM monica:fpm\nRUN true\n",
		"db/Dockerfile":  "ARG PG=16\nFROM postgres:${PG} AS base\nFROM base\nRUN apt-get update\n",
	}, convert.Options{})
	ports := map[string][]string{}
	kinds := map[string]string{}
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *corev1.Service:
			if x.Spec.ClusterIP == corev1.ClusterIPNone {
				continue
			}
			for _, p := range x.Spec.Ports {
				ports[x.Name] = append(ports[x.Name], p.Name+"/"+strconv.Itoa(int(p.Port))+"/"+string(x.Spec.Type))
			}
		case *appsv1.Deployment:
			kinds[x.Name] = "Deployment"
		case *appsv1.StatefulSet:
			kinds[x.Name] = "StatefulSet"
			env := map[string]string{}
			for _, e := range x.Spec.Template.Spec.Containers[0].Env {
				env[e.Name] = e.Value
			}
			if env["PGDATA"] != "/var/lib/postgresql/data/pgdata" {
				t.Errorf("StatefulSet %s: PGDATA %q, want the volume's subdirectory", x.Name, env["PGDATA"])
			}
		}
	}
	want := map[string][]string{
		"app": {"fastcgi/9000/ClusterIP"},
		"wp":  {"fastcgi/9000/ClusterIP"},
		"db":  {"postgres/5432/ClusterIP"},
	}
	for name, w := range want {
		if got := ports[name]; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("Service %s ports %v, want %v", name, got, w)
		}
	}
	if kinds["db"] != "StatefulSet" {
		t.Errorf("db (built FROM postgres, on a named volume) is a %q, want a StatefulSet", kinds["db"])
	}
}

// A bind source written under the user's home (Flowise: ~/.flowise:/root/.flowise) is
// expanded by the loader to the home of whoever converts; the output must not depend on who
// that is: the claim is named and the messages show the path as written.
func TestHomeBindIsTheSameForEveryUser(t *testing.T) {
	files := map[string]string{"compose.yaml": `
services:
  app:
    image: flowiseai/flowise:3.0.5
    volumes: ["~/.flowise:/root/.flowise", {type: bind, source: "~/cache/../data", target: /data}]
`}
	claims := func(home string) (string, string) {
		t.Setenv("HOME", home)
		res := convertFiles(t, files, convert.Options{})
		var names []string
		for _, o := range res.Objects {
			if x, ok := o.(*corev1.PersistentVolumeClaim); ok {
				names = append(names, x.Name)
			}
		}
		var msgs []string
		for _, d := range res.Diagnostics {
			msgs = append(msgs, d.Message)
		}
		return strings.Join(names, " "), strings.Join(msgs, "\n")
	}
	n1, m1 := claims("/root")
	n2, m2 := claims("/home/alice")
	if n1 != "data flowise" || n2 != n1 {
		t.Errorf("claims with HOME=/root %q, with HOME=/home/alice %q; want \"data flowise\" for both", n1, n2)
	}
	if m1 != m2 || !strings.Contains(m1, "bind mount of ~/.flowise") || strings.Contains(m1, "/root/.flowise:") {
		t.Errorf("messages differ by user or do not name ~/.flowise:\n%s\n---\n%s", m1, m2)
	}
}

// network_mode service:X shares X's network namespace (Ente: socat forwards museum's
// localhost:3200 to minio). Only a pod's containers share one in Kubernetes: the service
// becomes a container of X's pod, and what waited for it waits for X. A one-shot sharer
// (restart "no") stays a workload of its own.
func TestNetworkSharerJoinsHostPod(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  museum:
    image: ghcr.io/ente-io/server:v1.0
    ports: ["8080:8080"]
  socat:
    image: alpine/socat:1.8.0.3
    network_mode: service:museum
    depends_on: [museum]
    command: "TCP-LISTEN:3200,fork,reuseaddr TCP:minio:3200"
  probe:
    image: busybox:1.36
    network_mode: service:socat
  once:
    image: busybox:1.36
    network_mode: service:museum
    restart: "no"
    command: ["true"]
  web:
    image: nginx:1.27.3
    depends_on: [socat]
  minio:
    image: minio/minio:RELEASE.2025-04-22T22-12-26Z
    command: server /data
    expose: ["3200"]
`}, convert.Options{})
	containers := map[string][]string{}
	waits := map[string][]string{}
	for _, o := range res.Objects {
		ps := convert.PodSpec(o)
		if ps == nil {
			continue
		}
		for _, c := range ps.Containers {
			containers[o.GetName()] = append(containers[o.GetName()], c.Name)
		}
		for _, c := range ps.InitContainers {
			for _, e := range c.Env {
				if e.Name == "WAIT_HOST" {
					waits[o.GetName()] = append(waits[o.GetName()], e.Value)
				}
			}
		}
	}
	if got := strings.Join(containers["museum"], " "); got != "museum probe socat" {
		t.Errorf("museum's pod runs %q, want \"museum probe socat\" (the sharers in name order, through the chain)", got)
	}
	for _, gone := range []string{"socat", "probe"} {
		if _, ok := containers[gone]; ok {
			t.Errorf("%s still has a workload of its own", gone)
		}
	}
	if _, ok := containers["once"]; !ok {
		t.Error("the one-shot sharer once lost its own workload")
	}
	if got := strings.Join(waits["web"], " "); got != "museum" {
		t.Errorf("web waits for %q, want museum (socat runs in museum's pod)", got)
	}
	if w := warnings(res, "runs as container socat of museum's pod"); len(w) != 1 || w[0].Service != "socat" {
		t.Errorf("want one warning on socat saying where it runs, got %v", w)
	}
}

// A directory the repository keeps with only a placeholder (TheHive: ./cassandra/data holds
// .gitkeep) is there for the container to write into: state, as a missing one is, not a
// read-only ConfigMap holding .gitkeep. A directory with real files stays configuration.
func TestPlaceholderDirectoryIsState(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  cassandra:
    image: cassandra:4.1.7
    volumes: ["./cassandra/data:/var/lib/cassandra"]
  web:
    image: nginx:1.27.3
    volumes: ["./conf:/etc/nginx/conf.d"]
`,
		"cassandra/data/.gitkeep": "",
		"conf/default.conf":       "server { listen 80; }\n",
	}, convert.Options{})
	var kinds, claims []string
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *appsv1.StatefulSet:
			kinds = append(kinds, "StatefulSet/"+x.Name)
			for _, c := range x.Spec.VolumeClaimTemplates {
				claims = append(claims, c.Name)
			}
		case *corev1.ConfigMap:
			if strings.HasPrefix(x.Name, "cassandra") {
				t.Errorf("ConfigMap %s holds cassandra's data directory", x.Name)
			}
		}
	}
	if strings.Join(kinds, " ") != "StatefulSet/cassandra" || len(claims) != 1 {
		t.Errorf("want cassandra a StatefulSet with one claim template, got %v %v", kinds, claims)
	}
	if w := warnings(res, "holds only placeholders (.gitkeep), kept for cassandra to write into"); len(w) != 1 {
		t.Errorf("want one warning saying the directory is state, got %v", w)
	}
}

// A migration that runs on the app's own image (Hoppscotch: `pnpm exec prisma migrate deploy`
// on the backend image, whose Dockerfile EXPOSEs 3170) runs to completion: the image's ports
// describe the image's own process, not this command, so it is a Job without a Service, not a
// Deployment that restarts it forever. The service that runs the image's own command listens.
func TestMigrationOnAppImageIsAJob(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `
services:
  backend:
    build: .
  migrate:
    build: .
    command: sh -c "pnpm exec prisma migrate deploy"
    depends_on: [backend]
`,
		"Dockerfile": "FROM node:22\nEXPOSE 3170\nCMD [\"node\", \"server.js\"]\n",
	}, convert.Options{})
	kinds := map[string]string{}
	services := map[string]bool{}
	for _, o := range res.Objects {
		if convert.PodSpec(o) != nil {
			kinds[o.GetName()] = o.GetObjectKind().GroupVersionKind().Kind
		}
		if s, ok := o.(*corev1.Service); ok {
			services[s.Name] = true
		}
	}
	if kinds["migrate"] != "Job" || services["migrate"] {
		t.Errorf("migrate is a %q with Service %v, want a Job without one", kinds["migrate"], services["migrate"])
	}
	if kinds["backend"] != "Deployment" || !services["backend"] {
		t.Errorf("backend is a %q with Service %v, want a Deployment with one", kinds["backend"], services["backend"])
	}
}

// A database that mounts nothing where its image keeps its data (Outline's and Hoppscotch's
// postgres) keeps it under Compose: Docker creates a volume there (the image's VOLUME) and
// Compose carries it over when it re-creates the container. It gets a claim there, as a named
// volume would: a StatefulSet with a claim template at that directory (PostgreSQL 18 moved it
// to /var/lib/postgresql), PGDATA below it as for a named volume, and one warning. One with a
// volume there, a tmpfs there (a throwaway the input chose), an image berth does not know the
// VOLUMEs of, or the image running a client in place of its server (a pg_dump loop on the
// postgres image, which serves no port either) gets none; a server started from a shell
// script does.
func TestDatabaseWithoutVolumeKeepsData(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  pg15:
    image: postgres:15
  pg18:
    image: postgres:18-alpine
  maria:
    image: mariadb:11
  kept:
    image: postgres:16
    volumes: ["data:/var/lib/postgresql/data"]
  other:
    image: bitnami/postgresql:16
  backup:
    image: postgres:16
    command: ["sh", "-c", "while true; do pg_dump -h pg15 -f /backup/db.sql; sleep 86400; done"]
  scratch:
    image: postgres:16
    tmpfs: [/var/lib/postgresql/data]
  pg18data:
    image: postgres:18
    volumes: ["pg18:/var/lib/postgresql/18/docker"]
  scripted:
    image: mongo:7
    entrypoint: ["/bin/bash", "/mongo-entrypoint.sh"]
  wrapped:
    image: mysql:8.4
    command: ["sh", "-c", "ulimit -n 65536; exec docker-entrypoint.sh mysqld --skip-name-resolve"]
volumes:
  data: {}
  pg18: {}
`}, convert.Options{})
	type kept struct{ kind, claim, mount, pgdata string }
	got := map[string]kept{}
	for _, o := range res.Objects {
		ps := convert.PodSpec(o)
		if ps == nil {
			continue
		}
		k := kept{kind: o.GetObjectKind().GroupVersionKind().Kind}
		if ss, ok := o.(*appsv1.StatefulSet); ok {
			for _, t := range ss.Spec.VolumeClaimTemplates {
				k.claim += t.Name + " "
			}
		}
		for _, m := range ps.Containers[0].VolumeMounts {
			k.mount += m.MountPath + " "
		}
		for _, e := range ps.Containers[0].Env {
			if e.Name == "PGDATA" {
				k.pgdata = e.Value
			}
		}
		got[o.GetName()] = k
	}
	want := map[string]kept{
		"pg15":     {"StatefulSet", "pg15-data ", "/var/lib/postgresql/data ", "/var/lib/postgresql/data/pgdata"},
		"pg18":     {"StatefulSet", "pg18-postgresql ", "/var/lib/postgresql ", ""},
		"maria":    {"StatefulSet", "maria-mysql ", "/var/lib/mysql ", ""},
		"kept":     {"StatefulSet", "data ", "/var/lib/postgresql/data ", "/var/lib/postgresql/data/pgdata"},
		"other":    {"Deployment", "", "", ""},
		"backup":   {"Deployment", "", "", ""},
		"scratch":  {"Deployment", "", "/var/lib/postgresql/data ", ""},
		"wrapped":  {"StatefulSet", "wrapped-mysql ", "/var/lib/mysql ", ""},
		"scripted": {"StatefulSet", "scripted-db ", "/data/db ", ""}, // a script berth cannot read: the server's
		// PostgreSQL 18's PGDATA (docuseal) is a volume's root too: initdb gets a subdirectory
		"pg18data": {"StatefulSet", "pg18 ", "/var/lib/postgresql/18/docker ", "/var/lib/postgresql/18/docker/pgdata"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(kept{})); diff != "" {
		t.Errorf("workloads (-want +got):\n%s", diff)
	}
	warned := map[string]bool{}
	for _, d := range warnings(res, "mounts nothing at") {
		warned[d.Service] = true
		if d.Pos.Line == 0 {
			t.Errorf("%s: warning without a position: %s", d.Service, d.Message)
		}
	}
	if len(warned) != 5 || !warned["pg15"] || !warned["pg18"] || !warned["maria"] || !warned["wrapped"] || !warned["scripted"] {
		t.Errorf("warned for %v, want pg15, pg18, maria, wrapped and scripted", warned)
	}
	// the table's port is the server's: the pg_dump loop serves none, the wrapped server does
	services := map[string]bool{}
	for _, o := range res.Objects {
		if _, ok := o.(*corev1.Service); ok {
			services[o.GetName()] = true
		}
	}
	if services["backup"] || !services["wrapped"] || !services["scripted"] || !services["pg15"] {
		t.Errorf("Services %v: want pg15, wrapped and scripted, not backup", services)
	}
}

// A published port that speaks TLS itself (TheHive's nginx on 443 with its own certificate)
// is not routed by an Ingress, which speaks plain HTTP to its backends (a 400 from nginx): it
// is passed through as TCP by a LoadBalancer, as Compose publishes it. The plain HTTP port of
// the same service keeps its Ingress.
func TestTLSPortIsPassedThrough(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  proxy:
    image: caddy:2.8.4
    ports: ["80:80", "443:443"]
  tls:
    image: nginx:1.27.3
    ports: ["8443:443"]
`}, convert.Options{})
	routed, passed := map[int32]string{}, map[int32]string{}
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *networkingv1.Ingress:
			for _, r := range x.Spec.Rules {
				routed[r.HTTP.Paths[0].Backend.Service.Port.Number] += x.Name + " "
			}
		case *corev1.Service:
			if x.Spec.Type == corev1.ServiceTypeLoadBalancer {
				for _, p := range x.Spec.Ports {
					passed[p.TargetPort.IntVal] += x.Name + " "
				}
			}
		}
	}
	if routed[443] != "" || routed[80] != "proxy " {
		t.Errorf("Ingress routes %v, want only proxy's port 80", routed)
	}
	if passed[443] != "proxy-public tls-public " {
		t.Errorf("LoadBalancers pass %v through, want 443 of proxy-public and tls-public", passed)
	}
}

// A port the container's own healthcheck requests plain HTTP from (ghostfolio's `curl -f
// http://localhost:3333/api/v1/health`) speaks HTTP whatever its number: published, it gets an
// Ingress like port 80 or 3000, not a TCP LoadBalancer. A healthcheck that only opens the port
// (nc -z) says nothing about its protocol.
func TestHealthcheckURLMakesPortHTTP(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  ghostfolio:
    image: ghostfolio/ghostfolio:2.200.0
    ports: ["3333:3333"]
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:3333/api/v1/health"]
  game:
    image: acme/game:1.0
    ports: ["7777:7777"]
    healthcheck:
      test: ["CMD", "nc", "-z", "localhost", "7777"]
`}, convert.Options{})
	routed, balanced := map[string]bool{}, map[string]bool{}
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *networkingv1.Ingress:
			for _, r := range x.Spec.Rules {
				routed[r.HTTP.Paths[0].Backend.Service.Name] = true
			}
		case *corev1.Service:
			if x.Spec.Type == corev1.ServiceTypeLoadBalancer {
				balanced[x.Name] = true
			}
		}
	}
	if !routed["ghostfolio"] || balanced["ghostfolio-public"] {
		t.Errorf("ghostfolio: Ingress %v, LoadBalancer %v: want its 3333 routed by an Ingress", routed, balanced)
	}
	if routed["game"] || !balanced["game-public"] {
		t.Errorf("game: Ingress %v, LoadBalancer %v: want its 7777 on a LoadBalancer", routed, balanced)
	}
}

// security_opt no-new-privileges (ghostfolio's three services) is the kernel flag
// allowPrivilegeEscalation: false sets: it is mapped, not dropped. Other options are still
// reported; beside privileged Kubernetes refuses the flag, so it is left out there.
func TestNoNewPrivileges(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  app:
    image: acme/app:1.0
    security_opt: ["no-new-privileges:true"]
  mixed:
    image: acme/app:1.0
    security_opt: ["no-new-privileges=true", "seccomp=unconfined"]
  priv:
    image: acme/app:1.0
    privileged: true
    security_opt: ["no-new-privileges"]
`}, convert.Options{})
	got := map[string]string{}
	for _, o := range res.Objects {
		if ps := convert.PodSpec(o); ps != nil {
			v := "unset"
			if sc := ps.Containers[0].SecurityContext; sc != nil && sc.AllowPrivilegeEscalation != nil {
				v = strconv.FormatBool(*sc.AllowPrivilegeEscalation)
			}
			got[o.GetName()] = v
		}
	}
	if want := map[string]string{"app": "false", "mixed": "false", "priv": "unset"}; !cmp.Equal(want, got) {
		t.Errorf("allowPrivilegeEscalation %v, want %v", got, want)
	}
	outcome := map[string]diag.Outcome{}
	for _, a := range res.Accounts {
		if p, _, _ := strings.Cut(a.Path, "["); strings.HasSuffix(p, ".security_opt") {
			outcome[p] = a.Outcome
		}
	}
	if want := map[string]diag.Outcome{"services.app.security_opt": diag.Mapped, "services.mixed.security_opt": diag.Partial,
		"services.priv.security_opt": diag.Dropped}; !cmp.Equal(want, outcome) {
		t.Errorf("accounts %v, want %v", outcome, want)
	}
	// the warning says why the flag is left out, and which options are not converted
	said := map[string]string{}
	for _, d := range res.Diagnostics {
		if strings.HasSuffix(d.Field, ".security_opt") {
			said[d.Field] = d.Message
		}
	}
	if m := said["services.priv.security_opt"]; !strings.Contains(m, "no-new-privileges (Kubernetes refuses it beside privileged") {
		t.Errorf("priv's warning %q does not say why no-new-privileges is left out", m)
	}
	if m := said["services.mixed.security_opt"]; !strings.Contains(m, "seccomp=unconfined") {
		t.Errorf("mixed's warning %q does not name seccomp=unconfined", m)
	}
}
