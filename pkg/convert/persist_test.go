package convert_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// A bind mount whose source does not exist is a directory Docker creates and the container
// writes into: it becomes a claim as a named volume would (a data store's StatefulSet claim
// template, else a PersistentVolumeClaim, shared ones ReadWriteMany), with one warning per
// directory. Existing sources, read-only and file-like missing ones stay as they were; so does
// create_host_path: false. A data store's anonymous volume becomes a claim too.
func TestMissingBindKeepsState(t *testing.T) {
	files := map[string]string{"compose.yaml": `
services:
  db:
    image: postgres:16.4
    volumes:
      - ./pgdata:/var/lib/postgresql/data
  web:
    image: acme/web:1.0.0
    volumes:
      - ./uploads:/app/uploads
      - ./conf:/etc/web
      - ./seed:/seed:ro
      - ./web.conf:/etc/nginx/web.conf
      - type: bind
        source: ./strict
        target: /strict
        bind:
          create_host_path: false
  worker:
    image: acme/web:1.0.0
    volumes:
      - ./uploads:/app/uploads
  cache:
    image: mysql:8.4.2
    volumes:
      - /var/lib/mysql
`, "conf/web.ini": "[web]\n"}
	app := loadFiles(t, files)
	before := deepCopyApp(t, app)
	res, err := convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(app, before) {
		t.Error("Convert changed its input app")
	}

	db := statefulSet(t, res, "db")
	if len(db.Spec.VolumeClaimTemplates) != 1 || db.Spec.VolumeClaimTemplates[0].Name != "pgdata" {
		t.Errorf("db claim templates = %v, want one named pgdata", db.Spec.VolumeClaimTemplates)
	}
	if v := volumeAt(db.Spec.Template.Spec, db.Spec.Template.Spec.Containers[0], "/var/lib/postgresql/data"); v.EmptyDir != nil {
		t.Errorf("db data dir is an emptyDir")
	}
	mysql := statefulSet(t, res, "cache")
	if len(mysql.Spec.VolumeClaimTemplates) != 1 {
		t.Errorf("cache (mysql, anonymous volume) claim templates = %d, want 1", len(mysql.Spec.VolumeClaimTemplates))
	}

	uploads := claim(t, res, "uploads")
	if got := uploads.Spec.AccessModes; len(got) != 1 || got[0] != corev1.ReadWriteMany {
		t.Errorf("uploads access modes = %v, want ReadWriteMany (web and worker share it)", got)
	}
	for _, svc := range []string{"web", "worker"} {
		ps := deployment(t, res, svc).Spec.Template.Spec
		if v := volumeAt(ps, ps.Containers[0], "/app/uploads"); v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "uploads" {
			t.Errorf("%s /app/uploads = %+v, want claim uploads", svc, v)
		}
	}
	web := deployment(t, res, "web").Spec.Template.Spec
	if v := volumeAt(web, web.Containers[0], "/etc/web"); v.ConfigMap == nil {
		t.Errorf("existing ./conf = %+v, want a ConfigMap as before", v)
	}
	for _, target := range []string{"/seed", "/strict"} {
		if v := volumeAt(web, web.Containers[0], target); v.EmptyDir == nil {
			t.Errorf("%s = %+v, want an emptyDir as before (read-only / create_host_path: false)", target, v)
		}
	}
	for _, m := range web.Containers[0].VolumeMounts {
		if m.MountPath == "/etc/nginx/web.conf" {
			t.Errorf("missing file-like ./web.conf is mounted (%+v), want it left out as before", m)
		}
	}

	var kept []string
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, "as a named volume would") {
			kept = append(kept, d.Service+": "+d.Message)
		}
	}
	want := []string{"db: bind mount of ./pgdata", "cache: anonymous volume at /var/lib/mysql", "web: bind mount of ./uploads"}
	if len(kept) != len(want) {
		t.Fatalf("kept-state warnings = %q, want one each for %q", kept, want)
	}
	for _, w := range want {
		if !containsPrefix(kept, w) {
			t.Errorf("no warning starting %q in %q", w, kept)
		}
	}
	for _, k := range kept {
		if strings.HasPrefix(k, "web:") && (!strings.Contains(k, "web and worker") || !strings.Contains(k, "PersistentVolumeClaim uploads (ReadWriteMany")) {
			t.Errorf("shared warning %q does not name both services and the claim", k)
		}
		if strings.HasPrefix(k, "db:") && !strings.Contains(k, "claim template of StatefulSet db") {
			t.Errorf("db warning %q does not name the StatefulSet claim", k)
		}
	}
	if vol := res.Converted(app).Volume("uploads"); vol == nil {
		t.Error("Result.App has no volume uploads: berth data would not find it")
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// deepCopyApp copies what keepState could touch (services, containers, mounts, volumes).
func deepCopyApp(t *testing.T, app *model.App) *model.App {
	t.Helper()
	cp := *app
	cp.Volumes = append([]model.Volume(nil), app.Volumes...)
	cp.Services = nil
	for _, s := range app.Services {
		sc := *s
		sc.Containers = nil
		for _, c := range s.Containers {
			c.Mounts = append([]model.Mount(nil), c.Mounts...)
			sc.Containers = append(sc.Containers, c)
		}
		cp.Services = append(cp.Services, &sc)
	}
	return &cp
}

func statefulSet(t *testing.T, res *convert.Result, name string) *appsv1.StatefulSet {
	t.Helper()
	for _, o := range res.Objects {
		if s, ok := o.(*appsv1.StatefulSet); ok && s.Name == name {
			return s
		}
	}
	t.Fatalf("no StatefulSet %s", name)
	return nil
}

func deployment(t *testing.T, res *convert.Result, name string) *appsv1.Deployment {
	t.Helper()
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return nil
}

func claim(t *testing.T, res *convert.Result, name string) *corev1.PersistentVolumeClaim {
	t.Helper()
	for _, o := range res.Objects {
		if c, ok := o.(*corev1.PersistentVolumeClaim); ok && c.Name == name {
			return c
		}
	}
	t.Fatalf("no PersistentVolumeClaim %s", name)
	return nil
}

// volumeAt returns the source of the pod volume c mounts at target (empty when none).
func volumeAt(ps corev1.PodSpec, c corev1.Container, target string) corev1.VolumeSource {
	for _, m := range c.VolumeMounts {
		if m.MountPath != target {
			continue
		}
		for _, v := range ps.Volumes {
			if v.Name == m.Name {
				return v.VolumeSource
			}
		}
		return corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{}} // a claim template
	}
	return corev1.VolumeSource{}
}
