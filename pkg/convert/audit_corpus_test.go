package convert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corpusdir "github.com/berth-dev/berth/internal/corpus"
	goldenfile "github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// The real-app audit: every app of the real-world corpus (../shared/corpus/compose) and of the
// repository's own test corpora is converted with default options and checked for what makes
// a converted app not work or unsafe: addresses that reach no Service, data stores made public,
// probes stricter than Compose's healthcheck, one-shots restarted forever, credentials outside
// Secrets, state (a data directory, a bind Docker would create) on an emptyDir that loses it.
// Each count must be 0 or exactly what the allow-list below says, with its reason. The per-app numbers are the scoreboard of
// docs/real-apps.md (rewritten with -update).

// audit metrics.
const (
	mUnresolved = "unresolved"
	mPublicData = "public data stores"
	mProbes     = "probe windows"
	mOneShots   = "one-shots as Deployments"
	mSecrets    = "secrets outside Secrets"
	mState      = "state on emptyDir"
)

// auditAllowed are the reviewed exceptions: app → metric → count and why it is right.
var auditAllowed = map[string]map[string]struct {
	n   int
	why string
}{
	"awesome-compose/wireguard/compose.yaml": {mState: {1,
		"/lib/modules is the host's kernel modules (absent on the converting machine), host integration rather than state: it stays an emptyDir with a warning, or a hostPath through x-berth.hostPaths"}},
	"opentelemetry-demo/opentelemetry-demo/compose.yaml": {mUnresolved: {5,
		"frontend-proxy dials grafana, jaeger, opamp-server, firepit and chatbot, which live in the observability and extras overlays (converted together in the CLI corpus test)"}},
	"realapps/appflowy-cloud/docker-compose.yml": {mUnresolved: {1,
		"nginx.conf sets $pgadmin_backend to http://pgadmin:80, a service of the extras overlay (docker-compose-extras.yml) the file does not hold"}},
	"realapps/appwrite/docker-compose.yml": {mUnresolved: {7,
		"the .env defaults name maildev:1025 (SMTP), clamav:3310 and gitea:3000, optional services the file does not hold (dialed by appwrite and appwrite-worker), and _APP_SMS_PROVIDER=sms://user:pass@mock is a provider DSN whose host part names a provider, not a peer"}},
	"realapps/chatwoot/docker-compose.yaml": {mUnresolved: {4,
		"the .env.example's SMTP_ADDRESS=mailhog (port 1025) is the development mail catcher of the repository's docker-compose.yaml, which this production file does not hold (the .env comment says to set a real SMTP host); counted once for each service that reads the .env (base, rails, redis, sidekiq)"}},
	"realapps/kong/compose/docker-compose.yml": {mUnresolved: {1,
		"KONG_PG_HOST names db, which lives in the database profile (docker compose --profile database); converted without profiles, kong runs DB-less"}},
	"realapps/lago/docker-compose.yml": {mUnresolved: {4,
		"x-backend-environment defaults LAGO_DATA_API_URL to http://data-api, a service of Lago's data pipeline the file does not hold; counted once for each service that takes that block (migrate, api, api-worker, api-clock)"}},
	"realapps/librephotos/docker-compose.yml": {mUnresolved: {1,
		"reallibrephotos/librephotos and -frontend are images berth's table does not know and the file declares no ports: backend (BACKEND_HOST names itself) gets no Service, and the warnings ask for expose (8001; the frontend's 3000) - the user's fix, as for Zulip"}},
	"realapps/lemmy/docker/docker-compose.yml": {mUnresolved: {1,
		"PICTRS_OPENTELEMETRY_URL names otel:4137, a collector the file leaves commented out"}},
	"realapps/pterodactyl/docker-compose.example.yml": {mUnresolved: {1,
		"the example's MAIL_HOST=mail (port 1025) is a placeholder SMTP server the file does not hold"}},
	"realapps/rocketchat/generated/docker-compose.yml": {mUnresolved: {1,
		"traefik-init's command routes grafana:3000, which lives in the monitoring overlay (compose.monitoring.yml)"}},
	"realapps/signoz/deploy/docker/docker-compose.yaml": {mState: {2,
		"../common/clickhouse/user_scripts lies outside the project directory (deploy/docker), which berth never reads (docs/config-and-storage.md): in init-clickhouse and clickhouse it is an emptyDir each, with a warning, so the histogramQuantile script init-clickhouse downloads does not reach clickhouse (reported as a gap: a writable directory several services bind should become one shared volume)"}},
	"realapps/snipe-it/docker-compose.yml": {mUnresolved: {1,
		"the sample .env sets MAIL_HOST=mailhog (port 1025), a development mail catcher the file does not hold"}},
	"realapps/zulip/compose.yaml": {mUnresolved: {1,
		"zulip/zulip-postgresql is an image berth's table does not know, database declares no port and SETTING_REMOTE_POSTGRES_HOST names it without one: database gets no Service, and the warning asks for expose: [5432] (the user's fix; berth does not guess a port from a variable name)"}},
	"repo: internal/cli/testdata/golden/config-secrets/compose.yaml": {mUnresolved: {1,
		"a config/secret fixture: DATABASE_URL names db, which the fixture leaves out on purpose"}},
}

// auditRow is one app's line of the scoreboard.
type auditRow struct {
	app                           string
	services, objects, warnings   int
	connections                   int
	unresolved, publicData, probe int
	oneShots, secrets, state      int
	note                          string
}

// auditApps lists the apps: corpus Compose files, the real self-hosted apps of
// ../shared/corpus/realapps (one folder per app with its SOURCE) when present, and the
// repository's Compose fixtures. complete says whether the real apps were there (the
// scoreboard needs them).
func auditApps(t *testing.T) (roots auditRoots, files []string, complete bool) {
	roots.corpus = corpusdir.Dir(t, "compose")
	files = corpusdir.ProjectFiles(t, roots.corpus)
	roots.real = corpusdir.Path(t, "realapps")
	if fi, err := os.Stat(roots.real); err == nil && fi.IsDir() {
		files = append(files, corpusdir.ProjectFiles(t, roots.real)...)
		complete = true
	}
	for _, glob := range []string{"../../examples/*/compose.yaml", "../../internal/cli/testdata/golden/*/compose.yaml", "testdata/*/compose.yaml"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	return roots, files, complete
}

// auditRoots are the corpus folders the scoreboard names files under.
type auditRoots struct{ corpus, real string }

// auditName is the scoreboard name of file.
func auditName(roots auditRoots, file string) string {
	if rel, err := filepath.Rel(roots.corpus, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	if rel, err := filepath.Rel(roots.real, file); err == nil && !strings.HasPrefix(rel, "..") {
		return "realapps/" + filepath.ToSlash(rel)
	}
	abs, _ := filepath.Abs(file)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	rel, _ := filepath.Rel(root, abs)
	return "repo: " + filepath.ToSlash(rel)
}

func TestRealAppAudit(t *testing.T) {
	corpus, files, complete := auditApps(t)
	var rows []auditRow
	skipped := 0
	for _, f := range files {
		name := auditName(corpus, f)
		app, err := loadAuditApp(t, f)
		if err != nil {
			skipped++ // overlays and files that must fail: the CLI corpus test's business
			continue
		}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			skipped++
			continue
		}
		row := audit(app, res)
		row.app = name
		allowed := auditAllowed[name]
		for metric, n := range map[string]int{mUnresolved: row.unresolved, mPublicData: row.publicData, mProbes: row.probe,
			mOneShots: row.oneShots, mSecrets: row.secrets, mState: row.state} {
			a, ok := allowed[metric]
			switch {
			case ok && a.n != n:
				t.Errorf("%s: %d %s, the allow-list says %d (%s): update the list", name, n, metric, a.n, a.why)
			case !ok && n != 0:
				t.Errorf("%s: %d %s, want 0 (or a reviewed allow-list entry)", name, n, metric)
			case ok:
				row.note = "allowed: " + a.why
			}
		}
		rows = append(rows, row)
	}
	for name := range auditAllowed {
		if !containsRow(rows, name) && (complete || !strings.HasPrefix(name, "realapps/")) {
			t.Errorf("allow-list entry %s names no audited app", name)
		}
	}
	t.Logf("%d apps audited, %d files skipped (overlays, files that must fail)", len(rows), skipped)
	if !complete {
		t.Logf("%s absent: the scoreboard (docs/real-apps.md) is not compared", corpus.real)
		return
	}
	goldenfile.AssertBytes(t, filepath.Join("..", "..", "docs", "real-apps.md"), scoreboard(rows))
}

// loadAuditApp loads file as docker compose up does in its folder: with the override file
// beside a default-named file (corpus.Override), which some install docs ask for (Zulip), and
// the profiles the install docs activate (corpus.Profiles: Hoppscotch).
func loadAuditApp(t *testing.T, file string) (*model.App, error) {
	t.Helper()
	ov, profiles := corpusdir.Override(file), corpusdir.Profiles(file)
	if ov == "" && profiles == nil {
		return loadCompose(t, file)
	}
	files := []string{file}
	if ov != "" {
		files = append(files, ov)
	}
	return compose.Load(context.Background(), compose.Options{Files: files, Profiles: profiles, Environ: []string{"PWD=/"}})
}

func containsRow(rows []auditRow, name string) bool {
	for _, r := range rows {
		if r.app == name {
			return true
		}
	}
	return false
}

// audit counts one conversion's findings.
func audit(app *model.App, res *convert.Result) auditRow {
	row := auditRow{services: len(app.Services), objects: len(res.Objects), connections: len(res.Connections)}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning {
			row.warnings++
		}
	}
	for _, c := range res.Connections {
		if c.Service == "" {
			row.unresolved++
		}
	}
	byObject := map[string]*model.Service{}
	names := convert.ObjectNames(app)
	for _, s := range app.Services {
		byObject[names[s.Name]] = s
	}
	for _, o := range res.Objects {
		owner := byObject[o.GetLabels()[convert.LabelName]]
		if owner == nil {
			continue
		}
		for _, port := range publicTargets(o) {
			if dataStorePort(owner.Containers[0].Image, port) {
				row.publicData++
			}
		}
		if spec := convert.PodSpec(o); spec != nil {
			for i, c := range spec.Containers {
				if i < len(owner.Containers) && !probesWithinCompose(owner.Containers[i].Health, c) {
					row.probe++
				}
				if i < len(owner.Containers) && stateOnEmptyDir(owner.Containers[i], spec, c) {
					row.state++
				}
			}
		}
	}
	row.oneShots = oneShotsLongRunning(app, res)
	row.secrets = secretsOutside(app, res)
	return row
}

// stateOnEmptyDir reports whether container c (of model container mc) keeps state on an emptyDir
// on disk, which loses it with every pod: a data store's data directory (the audit's own list of
// images and paths, not convert's), or a bind mount Docker would create and the container
// writes into (its source did not exist).
func stateOnEmptyDir(mc model.Container, spec *corev1.PodSpec, c corev1.Container) bool {
	scratch := map[string]bool{}
	for _, v := range spec.Volumes {
		if v.EmptyDir != nil && v.EmptyDir.Medium != corev1.StorageMediumMemory {
			scratch[v.Name] = true
		}
	}
	for _, vm := range c.VolumeMounts {
		if !scratch[vm.Name] {
			continue
		}
		if dataDir(mc.Image, vm.MountPath) {
			return true
		}
		for _, m := range mc.Mounts {
			if m.Type == model.MountBind && m.Target == vm.MountPath && m.Missing && !m.ReadOnly {
				return true
			}
		}
	}
	return false
}

// dataDir is the audit's own oracle of data-store data directories: paths only data stores
// use, and /data in images of data stores that keep their data there.
func dataDir(image, dir string) bool {
	dir = path.Clean(dir)
	for _, d := range []string{"/var/lib/postgresql", "/var/lib/mysql", "/data/db", "/data/configdb", "/var/lib/clickhouse",
		"/var/lib/rabbitmq", "/usr/share/elasticsearch/data", "/usr/share/opensearch/data", "/bitnami", "/var/lib/cassandra",
		"/var/opt/mssql", "/qdrant/storage", "/var/lib/kafka", "/var/lib/zookeeper", "/var/lib/influxdb", "/var/lib/influxdb2"} {
		if dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	if dir != "/data" {
		return false
	}
	switch imageBase(image) {
	case "redis", "valkey", "keydb", "minio", "redis-stack-server", "dragonfly":
		return true
	}
	return false
}

// idles: a container with a terminal or stdin kept open and no command waits for a person to
// exec into it, whatever its restart policy (Postiz's temporal-admin-tools): not a one-shot.
func idles(c model.Container) bool {
	return (c.TTY || c.Stdin) && len(c.Command) == 0 && len(c.Args) == 0
}

// oneShotsLongRunning counts services Compose runs to completion that became long-running
// workloads (which restart them forever) without a warning naming x-berth.kind: Job. The
// audit's own oracle: another service waits for it with service_completed_successfully, or
// it says restart "no" or "on-failure" and publishes no port.
func oneShotsLongRunning(app *model.App, res *convert.Result) int {
	oneShot := map[string]bool{}
	for _, s := range app.Services {
		for _, d := range s.DependsOn {
			if d.Condition == model.ConditionCompleted {
				oneShot[d.Service] = true
			}
		}
		if (s.Restart == model.RestartNo || s.Restart == model.RestartOnFailure) && len(s.Containers) > 0 && len(s.Containers[0].Ports) == 0 &&
			!idles(s.Containers[0]) {
			oneShot[s.Name] = true
		}
	}
	warned := map[string]bool{}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, "x-berth.kind: Job") {
			for _, s := range append([]string{d.Service}, d.Also...) {
				warned[s] = true
			}
		}
	}
	names := convert.ObjectNames(app)
	n := 0
	for _, o := range res.Objects {
		switch o.(type) {
		case *appsv1.Deployment, *appsv1.StatefulSet:
		default:
			continue
		}
		for svc := range oneShot {
			if names[svc] == o.GetLabels()[convert.LabelName] && !warned[svc] {
				n++
			}
		}
	}
	return n
}

// secretName is the audit's own oracle of variables that hold credentials (not convert's
// classifier): the last word says password, secret, token or key.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|_PASS|SECRET|SECRET_KEY|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_KEY)$`)

// plainWord is a lower-case word ("postgres", "nextcloud", "disabled"): as a password it is
// also the app's name, image or a setting, found everywhere; the oracle leaves it to the leak test.
var plainWord = regexp.MustCompile(`^[a-z]+$`)

// secretsOutside counts credential values (by the oracle above; 8 characters or more and not
// a plain word, so a coincidence with other text is unlikely; not a path, a reference or a
// name of the app) that stand anywhere in the output but Secrets.
func secretsOutside(app *model.App, res *convert.Result) int {
	public := map[string]bool{}
	for _, s := range app.Services {
		public[s.Name] = true
		for _, c := range s.Containers {
			public[c.Image] = true
		}
	}
	values := map[string]bool{}
	for _, s := range app.Services {
		for _, c := range s.Containers {
			for _, e := range c.Env {
				v := e.Value
				if secretName.MatchString(e.Name) && len(v) >= 8 && !plainWord.MatchString(v) && !strings.ContainsAny(v, "$/ ") && !public[v] {
					values[v] = true
				}
			}
		}
	}
	var plain strings.Builder
	for _, o := range res.Objects {
		if _, ok := o.(*corev1.Secret); ok {
			continue
		}
		data, _ := json.Marshal(o)
		plain.Write(data)
	}
	n := 0
	for v := range values {
		if strings.Contains(plain.String(), v) {
			n++
		}
	}
	return n
}

// publicTargets are the container ports o makes reachable from outside the cluster.
func publicTargets(o convert.Object) []int32 {
	var out []int32
	switch x := o.(type) {
	case *corev1.Service:
		if x.Spec.Type == corev1.ServiceTypeLoadBalancer || x.Spec.Type == corev1.ServiceTypeNodePort {
			for _, p := range x.Spec.Ports {
				out = append(out, p.TargetPort.IntVal)
			}
		}
	case *networkingv1.Ingress:
		for _, r := range x.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				out = append(out, p.Backend.Service.Port.Number) // Service port = container port
			}
		}
	}
	return out
}

// dataStorePort is the audit's own oracle (deliberately not convert's table): a data store's
// image with any port but its management UIs, or a well-known database port.
func dataStorePort(image string, port int32) bool {
	switch imageBase(image) {
	case "postgres", "postgresql", "mysql", "mariadb", "mongo", "redis", "valkey", "memcached", "elasticsearch",
		"opensearch", "clickhouse-server", "kafka", "cp-kafka", "zookeeper", "cp-zookeeper", "rabbitmq", "minio", "qdrant",
		"cassandra", "etcd":
		return port != 15672 && port != 9001
	}
	switch port {
	case 5432, 3306, 27017, 6379, 11211, 9200, 9092, 2181, 5672, 6333, 9042:
		return true
	}
	return false
}

// imageBase is the last path segment of image's repository, lower-case, without tag or digest.
func imageBase(image string) string {
	repo := strings.ToLower(image)
	if i := strings.LastIndexAny(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i >= 0 && !strings.Contains(repo[i:], "/") {
		repo = repo[:i]
	}
	return path.Base(repo)
}

// probesWithinCompose checks c's probes against healthcheck h: the kubelet must not give up
// on a container before Compose would call it unhealthy (start_period + interval × retries at
// start, interval × retries later). Defaults are Docker's.
func probesWithinCompose(h *model.Health, c corev1.Container) bool {
	if h == nil || h.Type == model.HealthNone || len(h.Command) == 0 {
		return c.LivenessProbe == nil && c.StartupProbe == nil
	}
	or := func(d *time.Duration, def time.Duration) time.Duration {
		if d == nil || *d <= 0 {
			return def
		}
		return *d
	}
	retries := time.Duration(3)
	if h.Retries != nil && *h.Retries > 0 {
		retries = time.Duration(*h.Retries)
	}
	unhealthy := or(h.Interval, 30*time.Second) * retries
	win := func(p *corev1.Probe) time.Duration {
		return time.Duration(p.PeriodSeconds) * time.Duration(p.FailureThreshold-1) * time.Second
	}
	if p := c.LivenessProbe; p != nil && win(p) < unhealthy {
		return false
	}
	if sp := or(h.StartPeriod, 0); sp > 0 && (c.StartupProbe == nil || win(c.StartupProbe) < sp+unhealthy) {
		return false
	}
	return true
}

// scoreboard renders docs/real-apps.md.
func scoreboard(rows []auditRow) []byte {
	sort.Slice(rows, func(i, j int) bool { return rows[i].app < rows[j].app })
	var b strings.Builder
	b.WriteString(`# Real apps: the audit scoreboard

Generated by ` + "`TestRealAppAudit`" + ` (pkg/convert/audit_corpus_test.go; rewrite with
` + "`go test ./pkg/convert -run TestRealAppAudit -update`" + `). Every Compose file of the real-world
corpus (` + "`../shared/corpus/compose`" + `, see its README for sources and licenses) that converts on
its own, every real self-hosted multi-service app of ` + "`../shared/corpus/realapps`" + ` (` + "`realapps/`" + `: each
folder's SOURCE names the repository, commit, path and license), and the repository's own Compose
fixtures (` + "`repo:`" + `), converted with default options (a default-named file together with the
override file beside it, as ` + "`docker compose up`" + ` loads them). Without the realapps folder the test
audits the rest and leaves this file alone.

Three of the real apps also run on the real node as converted (` + "`TestRealApps`" + `, test/realnode:
docmost, n8n with workers, NetBox; stand-in images keep their ports, environment and
healthchecks): every pod becomes Ready, and each of their 17 connections is dialed from inside the
dialer's pod and reaches its Service (docs/testing.md).

- **connections**: addresses the app's containers dial (the connection audit, docs/mapping.md);
- **unresolved**: of those, addresses no Service answers (each one warning);
- **public data stores**: data-store ports reachable from outside (LoadBalancer, NodePort,
  Ingress), by the audit's own list of images and ports;
- **probe windows**: containers whose liveness or startup probe gives up before Compose
  would call them unhealthy;
- **one-shots**: services Compose runs to completion (another waits for them with
  ` + "`service_completed_successfully`" + `, or ` + "`restart: \"no\"`" + `/` + "`on-failure`" + ` without a port) that became a
  Deployment or StatefulSet (restarted forever) with no warning naming ` + "`x-berth.kind: Job`" + `;
- **secrets outside**: credential values (the audit's own oracle: a variable named
  ` + "`*PASSWORD`" + `, ` + "`*SECRET`" + `, ` + "`*TOKEN`" + `, ` + "`*API_KEY`" + `, ...; 8 characters or more and not a plain word)
  found anywhere in the output but Secrets (` + "`TestSecretsNeverLeak`" + ` checks every value with canaries);
- **state on emptyDir**: containers whose state lands on an emptyDir on disk (lost with every
  pod): a data store's data directory (the audit's own list: ` + "`/var/lib/postgresql`" + `, ` + "`/var/lib/mysql`" + `,
  ` + "`/data/db`" + `, ` + "`/data`" + ` of redis/valkey/minio, ...) or a writable bind mount whose source did not exist
  (Docker creates that directory and the container writes into it).

The last six must be 0, or match a reviewed entry of the allow-list (the note says why).
**warnings/service** is warnings divided by services.

| app | services | objects | warnings | warnings/service | connections | unresolved | public data stores | probe windows | one-shots | secrets outside | state on emptyDir | note |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
`)
	tot := auditRow{}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %d | %d | %d | %d | %d | %d | %d | %s |\n", r.app, r.services, r.objects, r.warnings,
			perService(r.warnings, r.services), r.connections, r.unresolved, r.publicData, r.probe, r.oneShots, r.secrets, r.state, r.note)
		tot.services += r.services
		tot.objects += r.objects
		tot.warnings += r.warnings
		tot.connections += r.connections
		tot.unresolved += r.unresolved
		tot.publicData += r.publicData
		tot.probe += r.probe
		tot.oneShots += r.oneShots
		tot.secrets += r.secrets
		tot.state += r.state
	}
	fmt.Fprintf(&b, "| **%d apps** | %d | %d | %d | %s | %d | %d | %d | %d | %d | %d | %d | |\n", len(rows), tot.services, tot.objects, tot.warnings,
		perService(tot.warnings, tot.services), tot.connections, tot.unresolved, tot.publicData, tot.probe, tot.oneShots, tot.secrets, tot.state)
	return []byte(b.String())
}

// perService is n per service with one decimal ("-" without services).
func perService(n, services int) string {
	if services == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)/float64(services), 'f', 1, 64)
}
