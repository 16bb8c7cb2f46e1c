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

func TestEngineOf(t *testing.T) {
	for image, want := range map[string]string{
		"postgres:16-alpine": engPostgres, "docker.io/postgis/postgis:16-3.4": engPostgres,
		"mysql:8": engMySQL, "mariadb:11@sha256:abc": engMySQL, "redis:7": engRedis,
		"valkey/valkey:8": engRedis, "mongo:7": engMongo, "registry:5000/app/files:1": engFiles,
		"rabbitmq:3": engFiles,
	} {
		if got := engineOf(image); got != want {
			t.Errorf("engineOf(%q) = %q, want %q", image, got, want)
		}
	}
}

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
	}}
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
	for _, want := range []string{
		"kubectl -n ns exec -i statefulset/sql -- sh -c 'exec mysql -uroot -p\"$MYSQL_ROOT_PASSWORD\" shop' < sql.sql",
		"exec -T sql sh -c 'exec mysqldump --single-transaction -uroot -p\"$MYSQL_ROOT_PASSWORD\" --databases shop' > sql.sql",
		"mongodump --archive --db docs > docs.archive",
		"kubectl -n ns exec -i deployment/docs -- mongorestore --archive --drop < docs.archive",
		"exec -T cache redis-cli SAVE",
		"kubectl -n ns exec -i deployment/cache -- redis-cli SHUTDOWN NOSAVE",
		"## 5. Apply, with scheduled jobs suspended\n\n`--suspend-cronjobs` applies the CronJobs (`tick`) with `spec.suspend: true`",
		"```sh\nberth apply --suspend-cronjobs -f compose.yaml\n```",
		"## 9. Resume scheduled jobs\n\nApply again without `--suspend-cronjobs`",
		"```sh\nberth apply -f compose.yaml\nkubectl -n ns get cronjobs   # SUSPEND: False\n```",
		"`Secret/api-keys`: **placeholder, fill in** `TOKEN`",
		"`Secret/sql-env`: keys `MYSQL_ROOT_PASSWORD`, from the input",
		"served by `Service/sql` (a LoadBalancer",
		"berth apply -f compose.yaml",
		"berth down -f compose.yaml",
		"`ExternalSecret/remote`: make sure its secret store is ready",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("runbook lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, pw) {
		t.Error("runbook contains a secret value")
	}
}
