package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
)

func TestOneShotServicesBecomeJobs(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  migrate:
    image: acme/api:1.0.0
    command: python manage.py migrate
  seed:
    image: acme/api:1.0.0
    command: ["npm", "run", "db:seed"]
  createbuckets:
    image: minio/mc:RELEASE.2024-10-08T09-37-26Z
    entrypoint: ["/bin/sh", "-c", "mc alias set s3 http://s3:9000 a b; mc mb s3/data; exit 0"]
  init:
    image: acme/tools:1.0.0
    command: /scripts/init.sh
  web:
    image: acme/api:1.0.0
    command: sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"
  worker:
    image: acme/api:1.0.0
    command: celery -A app worker
  setup-api:
    image: acme/api:1.0.0
    command: ["npm", "run", "setup"]
    expose: ["3000"]
  always:
    image: acme/api:1.0.0
    command: python manage.py migrate
    restart: always
  mysqldata:
    image: mysql:8.0
    command: /bin/true
  volumesonly:
    image: postgres:16
    command: echo Data-only container for postgres
  admin-tools:
    image: temporalio/admin-tools:1.28
    restart: on-failure
    stdin_open: true
    tty: true
`}, convert.Options{})
	got := map[string]string{}
	for _, o := range res.Objects {
		switch o.(type) {
		case *batchv1.Job:
			got[o.GetName()] = "Job"
		case *appsv1.Deployment:
			got[o.GetName()] = "Deployment"
		}
	}
	want := map[string]string{
		"migrate": "Job", "seed": "Job", "createbuckets": "Job", "init": "Job",
		"mysqldata": "Job", "volumesonly": "Job", // a data container exits at once: the image's port is its server's
		"admin-tools": "Deployment", // tty and stdin_open, no command: it idles until someone execs into it
		"web":         "Deployment", // migrate && runserver: what runs last is a server
		"worker":      "Deployment",
		"setup-api":   "Deployment", // listens: kept, with a warning
		"always":      "Deployment", // restart: always says it runs on
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	w := warnings(res, "runs to completion")
	if len(w) != 1 || w[0].Service != "setup-api" || !strings.Contains(w[0].Message, "x-berth.kind: Job") {
		t.Errorf("want one warning on setup-api naming x-berth.kind: Job, got %v", w)
	}
}
