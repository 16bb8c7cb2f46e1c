package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func meta(name, svc string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{convert.LabelName: svc}}
}

func svc(name, image string, env ...model.EnvVar) *model.Service {
	return &model.Service{Name: name, Containers: []model.Container{{Image: image, Env: env,
		Mounts: []model.Mount{{Type: model.MountVolume, Source: name + "-data", Target: "/data"}}}}}
}

// TestMarkdownEngines covers what the golden runbooks do not: MySQL, Mongo and Redis data
// moves, CronJobs, placeholder Secrets, ExternalSecrets, LoadBalancers, and that secret
// values never appear.
func TestMarkdownEngines(t *testing.T) {
	const pw = "hunter2-very-secret"
	app := &model.App{Name: "a", Source: model.Compose, Files: []string{"compose.yaml"}, Services: []*model.Service{
		svc("cache", "redis:7"),
		svc("docs", "mongo:7", model.EnvVar{Name: "MONGO_INITDB_DATABASE", Value: "docs"}),
		svc("sql", "mariadb:11", model.EnvVar{Name: "MARIADB_DATABASE", Value: "shop"}, model.EnvVar{Name: "MYSQL_ROOT_PASSWORD", Value: pw, Secret: true}),
		{Name: "tick", Containers: []model.Container{{Image: "busybox"}}},
	}, Volumes: []model.Volume{{Name: "cache-data", EngineName: "a_cache-data"}, {Name: "docs-data"}, {Name: "sql-data"}}}
	app.Services[0].Containers[0].Args = []string{"redis-server", "--appendonly", "yes"}
	app.Services[2].Containers[0].Mounts[0].Target = "/var/lib/mysql"
	es := &unstructured.Unstructured{}
	es.SetAPIVersion("external-secrets.io/v1beta1")
	es.SetKind("ExternalSecret")
	es.SetName("remote")
	res := &convert.Result{Objects: []convert.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		&corev1.Secret{TypeMeta: metav1.TypeMeta{Kind: "Secret"}, ObjectMeta: meta("sql-env", "sql"), Data: map[string][]byte{"MYSQL_ROOT_PASSWORD": []byte(pw)}},
		&corev1.Secret{TypeMeta: metav1.TypeMeta{Kind: "Secret"}, ObjectMeta: meta("api-keys", "sql"), StringData: map[string]string{"TOKEN": ""}},
		&corev1.Service{TypeMeta: metav1.TypeMeta{Kind: "Service"}, ObjectMeta: meta("sql", "sql"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}},
		&appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{Kind: "StatefulSet"}, ObjectMeta: meta("sql", "sql")},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment"}, ObjectMeta: meta("cache", "cache")},
		es,
		&batchv1.CronJob{TypeMeta: metav1.TypeMeta{Kind: "CronJob"}, ObjectMeta: meta("tick", "tick")},
	}}
	got := string(Markdown(app, res, Options{}))
	if again := Markdown(app, res, Options{}); !bytes.Equal(again, []byte(got)) {
		t.Error("two renders differ")
	}
	runbookHas(t, got,
		"exec -T sql sh -c 'u=root; p=\"${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-$(cat \"${MYSQL_ROOT_PASSWORD_FILE:-${MARIADB_ROOT_PASSWORD_FILE:-/dev/null}}\" 2>/dev/null)}}\"; ",
		"export MYSQL_PWD=\"$p\"; exec \"$(command -v mariadb-dump || echo mysqldump)\" --single-transaction --routines --triggers --no-tablespaces -u\"$u\" --databases shop' > sql.sql",
		"berth data restore sql --dump sql.sql -f compose.yaml",
		"exec -T docs sh -c 'u=\"${MONGO_INITDB_ROOT_USERNAME:-",
		"mongodump --archive --db docs --authenticationDatabase admin --username \"$u\" --config \"$c\"' > docs.archive",
		"berth data restore docs --dump docs.archive -f compose.yaml",
		"exec -T cache sh -c 'f=/tmp/berth-dump.rdb; redis-cli --rdb \"$f\" >&2 && cat \"$f\" && rm -f \"$f\"' > cache.rdb",
		"`cache` is append-only",
		"berth data restore cache --dump cache.rdb -f compose.yaml",
		"docker compose -p a -f compose.yaml stop tick\n",
		"docker compose -p a -f compose.yaml stop cache docs sql\n",
		"berth apply --only cache,docs,sql --suspend-cronjobs -f compose.yaml",
		"## 7. Start the app tier\n\n`--suspend-cronjobs` applies the CronJobs (`tick`) with `spec.suspend: true`",
		"```sh\nberth apply --suspend-cronjobs -f compose.yaml\n```",
		"## 10. Resume scheduled jobs\n\nApply again without `--suspend-cronjobs`",
		"```sh\nberth apply -f compose.yaml\nkubectl -n ns get cronjobs   # SUSPEND: False\n```",
		"`Secret/api-keys`: **placeholder, fill in** `TOKEN`",
		"`Secret/sql-env`: keys `MYSQL_ROOT_PASSWORD`, from the input",
		"served by `Service/sql` (a LoadBalancer",
		"berth down -f compose.yaml",
		"`ExternalSecret/remote`: make sure its secret store is ready",
	)
	if strings.Contains(got, pw) {
		t.Error("runbook contains a secret value")
	}
}

// TestMarkdownProvision: a Compose provider service gets its own step that names the
// provider type, the Secret to fill, its prefix and readers, and the ExternalName Service;
// a model server's weights claim moves no data.
func TestMarkdownProvision(t *testing.T) {
	app := &model.App{Name: "a", Source: model.Compose, Files: []string{"compose.yaml"},
		Services: []*model.Service{{Name: "llm", Containers: []model.Container{{Image: "ghcr.io/ggml-org/llama.cpp:server",
			Mounts: []model.Mount{{Type: model.MountVolume, Source: "llm-weights", Target: "/models"}}}}}},
		Volumes: []model.Volume{{Name: "llm-weights", Cache: true}}}
	res := &convert.Result{Objects: []convert.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		&corev1.Secret{TypeMeta: metav1.TypeMeta{Kind: "Secret"}, ObjectMeta: meta("database-provider", "database")},
	}, Provisions: []convert.Provision{{Service: "database", Type: "awesomecloud", Secret: "database-provider", Prefix: "DATABASE_",
		Users: []string{"app"}, Host: "db.example.com", ServiceName: "database"}}}
	got := string(Markdown(app, res, Options{}))
	runbookHas(t, got,
		"## 3. Provision awesomecloud for database",
		"in Secret `database-provider`; `app` read each one as `DATABASE_KEY`",
		"kubectl -n ns create secret generic database-provider --from-literal=URL=<value>",
		"Service `database` (ExternalName) points at `db.example.com`",
		"`Secret/database-provider`: the variables of a provider service, filled in the next step",
		"No service keeps data in a volume: nothing to move.",
	)
}

// runbookHas fails t for each of wants the runbook got lacks.
func runbookHas(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("runbook lacks %q:\n%s", want, got)
		}
	}
}

// TestMarkdownModelServer: a model server (Compose models:) is no container of the old side:
// the runbook never stops it there, and its weights claim moves no data.
func TestMarkdownModelServer(t *testing.T) {
	app := &model.App{Name: "a", Source: model.Compose, Files: []string{"compose.yaml"}, Services: []*model.Service{
		svc("web", "nginx:1.27.0"),
		{Name: "llm", Model: &model.ModelServer{Key: "llm", Ref: "ai/smollm2", Field: "models.llm"}, Containers: []model.Container{{Image: "ghcr.io/ggml-org/llama.cpp:server",
			Mounts: []model.Mount{{Type: model.MountVolume, Source: "llm-weights", Target: "/models"}}}}},
	}, Volumes: []model.Volume{{Name: "web-data"}, {Name: "llm-weights", Cache: true}}}
	res := &convert.Result{Objects: []convert.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment"}, ObjectMeta: meta("web", "web")},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment"}, ObjectMeta: meta("llm", "llm")},
	}}
	got := string(Markdown(app, res, Options{}))
	if !strings.Contains(got, "docker compose -p a -f compose.yaml stop web\n") {
		t.Errorf("runbook does not stop web alone:\n%s", got)
	}
	for _, bad := range []string{"stop web llm", "llm-weights.tar"} {
		if strings.Contains(got, bad) {
			t.Errorf("runbook holds %q:\n%s", bad, got)
		}
	}
}

// TestMarkdownECSFilesCopy: an ECS task's files volume is copied after its task stopped, so
// never by exec into that task: in a one-off task of a copy of its definition with a helper
// image, at the same path.
func TestMarkdownECSFilesCopy(t *testing.T) {
	app := &model.App{Name: "a", Source: model.ECS, Files: []string{"task.json"}, Services: []*model.Service{svc("notes", "notes:1")},
		Volumes: []model.Volume{{Name: "notes-data"}}}
	res := &convert.Result{Objects: []convert.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment"}, ObjectMeta: meta("notes", "notes")},
	}}
	got := string(Markdown(app, res, Options{}))
	runbookHas(t, got,
		"```sh\naws ecs update-service --cluster <cluster> --service <the old notes service> --desired-count 0\n```",
		"A stopped task cannot be exec'd into",
		"```sh\n<in a one-off task of the old notes task definition, image busybox:1.36> tar -C /data -cf - . > notes-data.tar\n```",
		"berth data push notes-data --from notes-data.tar",
	)
	if strings.Contains(got, "<exec into the old notes task> tar") {
		t.Errorf("the runbook copies the volume by exec into the stopped task:\n%s", got)
	}
}
