package convert

import (
	"bytes"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func u32(v uint32) *uint32 { return &v }

// fullApp exercises every config and storage rule. Its secret values all contain "SENSITIVE"
// so the leak test can find them.
func fullApp() *model.App {
	web := svc("web", []model.EnvVar{
		ev("web", "NODE_ENV", "production"),
		ev("web", "SESSION_SECRET", "SENSITIVE-session"),
		ev("web", "LOG_LEVEL", "info"),
		ev("web", "DATABASE_URL", "postgres://app:SENSITIVE-pw@db/app"),
		{Name: "FROM_HOST", Unset: true, Field: "services.web.environment.FROM_HOST"},
	},
		model.Mount{Type: model.MountVolume, Source: "uploads", Target: "/srv/uploads", Field: "services.web.volumes[0]"},
		model.Mount{Type: model.MountBind, Source: "/proj/nginx.conf", Target: "/etc/nginx/nginx.conf", ReadOnly: true,
			Files: []model.File{{Content: []byte("events {}\n"), Mode: 0o644}}, Field: "services.web.volumes[1]"},
		model.Mount{Type: model.MountBind, Source: "/proj/static", Target: "/srv/static", IsDir: true, Files: []model.File{
			{Name: "index.html", Content: []byte("<h1>hi</h1>\n"), Mode: 0o644},
			{Name: "img/logo.png", Content: []byte{0x89, 'P', 'N', 'G', 0xff, 0x00}, Mode: 0o644},
			{Name: "run.sh", Content: []byte("#!/bin/sh\n"), Mode: 0o755},
		}, Field: "services.web.volumes[2]"},
		model.Mount{Type: model.MountBind, Source: "/var/run/docker.sock", Target: "/var/run/docker.sock",
			NotRead: "docker socket", Field: "services.web.volumes[3]"},
		model.Mount{Type: model.MountBind, Source: "/proj/certs", Target: "/certs", IsDir: true, ReadOnly: true, Files: []model.File{
			{Name: "tls.crt", Content: []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), Mode: 0o644},
			{Name: "tls.key", Content: []byte("-----BEGIN PRIVATE KEY-----\nSENSITIVE-key\n-----END PRIVATE KEY-----\n"), Mode: 0o600},
		}, Field: "services.web.volumes[4]"},
		model.Mount{Type: model.MountTmpfs, Target: "/tmp", SizeLimit: 64 << 20, Field: "services.web.tmpfs[0]"},
		model.Mount{Type: model.MountAnon, Target: "/cache", Field: "services.web.volumes[5]"},
		model.Mount{Type: model.MountSecret, Source: "db_password", Field: "services.web.secrets[0]"},
		model.Mount{Type: model.MountSecret, Source: "api_token", Target: "token", Mode: u32(0o400), UID: "1000", Field: "services.web.secrets[1]"},
		model.Mount{Type: model.MountConfig, Source: "app_config", Target: "/etc/app/config.yaml", Field: "services.web.configs[0]"},
		model.Mount{Type: model.MountSecret, Source: "tls", Field: "services.web.secrets[2]"},
	)
	web.Main().ShmSize = 256 << 20
	worker := svc("worker", []model.EnvVar{
		ev("worker", "NODE_ENV", "production"),
		ev("worker", "SESSION_SECRET", "SENSITIVE-session"),
		ev("worker", "QUEUE", "jobs"),
	},
		model.Mount{Type: model.MountVolume, Source: "uploads", Target: "/data/uploads", ReadOnly: true, SubPath: "in", Field: "services.worker.volumes[0]"},
		model.Mount{Type: model.MountBind, Source: "/etc/passwd", Target: "/etc/passwd", NotRead: "outside the project directory", Field: "services.worker.volumes[1]"},
		model.Mount{Type: model.MountBind, Source: "/srv/host-data", Target: "/host", NotRead: "outside the project directory", Field: "services.worker.volumes[2]"},
		model.Mount{Type: model.MountVolume, Source: "legacy", Target: "/legacy", Field: "services.worker.volumes[3]"},
	)
	worker.Options.HostPaths = []string{"/srv/host-data"}
	db := svc("db", []model.EnvVar{ev("db", "POSTGRES_PASSWORD", "SENSITIVE-pg"), ev("db", "POSTGRES_DB", "app")},
		model.Mount{Type: model.MountVolume, Source: "pgdata", Target: "/var/lib/postgresql/data", Field: "services.db.volumes[0]"},
		model.Mount{Type: model.MountSecret, Source: "db_password", Target: "/run/secrets/pw", Field: "services.db.secrets[0]"},
	)
	db.Main().Image = "postgres:16"
	app := &model.App{Name: "shop", Source: model.Compose, Dir: "/proj", Services: []*model.Service{db, web, worker},
		Volumes: []model.Volume{
			{Name: "legacy", External: true, ExternalName: "legacy_data", Field: "volumes.legacy"},
			{Name: "pgdata", Size: "10Gi", Field: "volumes.pgdata", Labels: []model.KV{{Key: "com.example.tier", Value: "db", Field: "volumes.pgdata.labels.com.example.tier"}}},
			{Name: "unused", Field: "volumes.unused"},
			{Name: "uploads", Driver: "rexray", Field: "volumes.uploads"},
		},
		Secrets: []model.FileData{
			{Name: "api_token", Env: "API_TOKEN", Content: []byte("SENSITIVE-token"), Loaded: true, Field: "secrets.api_token"},
			{Name: "db_password", File: "/proj/db_password.txt", Content: []byte("SENSITIVE-dbpw\n"), Loaded: true, Field: "secrets.db_password"},
			{Name: "tls", External: true, Field: "secrets.tls"},
			{Name: "unused_secret", Content: []byte("SENSITIVE-unused"), Loaded: true, Field: "secrets.unused_secret"},
		},
		Configs: []model.FileData{
			{Name: "app_config", Content: []byte("debug: false\n"), Loaded: true, Field: "configs.app_config"},
		},
	}
	app.Options.Volumes = map[string]model.VolumeOptions{"uploads": {Size: "5Gi"}}
	for _, s := range app.Services {
		app.Inputs = append(app.Inputs, diag.Field{Service: s.Name, Path: s.Field})
	}
	for _, f := range []string{"volumes.legacy", "volumes.pgdata", "volumes.unused", "volumes.uploads", "secrets.api_token",
		"secrets.db_password", "secrets.tls", "secrets.unused_secret", "configs.app_config"} {
		app.Inputs = append(app.Inputs, diag.Field{Path: f})
	}
	return app
}

var fullKinds = map[string]model.Kind{"db": model.KindStatefulSet}

// TestGoldenConfig converts the full fixture through Convert (the pod builder calls the
// config/storage seams) and compares with testdata/config-full.
func TestGoldenConfig(t *testing.T) {
	golden(t, "config-full", fullApp(), Options{StorageClass: "fast"})
}

// TestSecretsNeverLeak converts the full fixture and looks for its secret values in every
// object that is not a Secret, every diagnostic and the field accounting.
func TestSecretsNeverLeak(t *testing.T) {
	res, err := Convert(fullApp(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var public bytes.Buffer
	secrets := 0
	for _, o := range res.Objects {
		if s, ok := o.(*corev1.Secret); ok {
			for _, v := range s.Data {
				if bytes.Contains(v, []byte("SENSITIVE")) {
					secrets++
				}
			}
			continue
		}
		public.Write(marshalClean(t, o))
	}
	for _, d := range res.Diagnostics {
		public.WriteString(d.String() + "\n")
	}
	public.Write(marshalClean(t, res.Accounts))
	if secrets < 6 {
		t.Errorf("only %d secret values reached Secrets; the fixture has more", secrets)
	}
	if i := bytes.Index(public.Bytes(), []byte("SENSITIVE")); i >= 0 {
		lo := max(0, i-300)
		t.Errorf("a secret value leaked into non-Secret output:\n%s", public.Bytes()[lo:min(public.Len(), i+50)])
	}
	// The unit-level driver must agree: every container sees exactly its input environment.
	checkExactEnv(t, runConfig(fullApp(), Options{}, fullKinds))
}

// TestOutsideBindNeverYieldsContent feeds binds whose source is outside the project, some with
// content the model should never carry, and checks no object holds it.
func TestOutsideBindNeverYieldsContent(t *testing.T) {
	leak := []model.File{{Name: "", Content: []byte("root:x:0:0:OUTSIDE")}}
	app := &model.App{Name: "p", Dir: "/proj", Services: []*model.Service{svc("web", nil,
		model.Mount{Type: model.MountBind, Source: "/etc/passwd", Target: "/etc/passwd", Files: leak, Field: "services.web.volumes[0]"},
		model.Mount{Type: model.MountBind, Source: "/proj/../etc/shadow", Target: "/x", Files: leak, Field: "services.web.volumes[1]"},
		model.Mount{Type: model.MountBind, Source: "/project-sibling/f", Target: "/y", Files: leak, Field: "services.web.volumes[2]"},
		model.Mount{Type: model.MountBind, Source: "/proj/ok", Target: "/z", Files: leak, NotRead: "larger than 1 MiB", Field: "services.web.volumes[3]"},
		model.Mount{Type: model.MountBind, Source: "/", Target: "/host", NotRead: "outside the project directory", Field: "services.web.volumes[4]"},
	)}}
	res, err := Convert(app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out := render(t, res); bytes.Contains(out, []byte("OUTSIDE")) || bytes.Contains(out, []byte("hostPath:")) {
		t.Errorf("outside content or a hostPath reached the output:\n%s", out)
	}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, v := range r.pod(t, "web").Volumes {
		if v.EmptyDir == nil {
			t.Errorf("volume %s is not an emptyDir: %+v", v.Name, v.VolumeSource)
		}
	}
	if n := r.b.ledger.Diagnostics().Count(diag.Warning); n != 5 {
		t.Errorf("got %d warnings, want one per bind: %v", n, r.b.ledger.Diagnostics())
	}
}

func TestBuildContextBindLeftOut(t *testing.T) {
	app := &model.App{Name: "p", Dir: "/proj", Services: []*model.Service{svc("web", nil,
		model.Mount{Type: model.MountBind, Source: "/proj", Target: "/code", IsDir: true, Field: "services.web.volumes[0]",
			Files: []model.File{{Name: "Dockerfile", Content: []byte("FROM python")}, {Name: "app.py", Content: []byte("print()")}}},
	)}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if spec := r.pod(t, "web"); len(spec.Volumes) != 0 || len(spec.Containers[0].VolumeMounts) != 0 || len(r.b.objs) != 0 {
		t.Errorf("a build-context bind became %v / %v / %v, want nothing", spec.Volumes, spec.Containers[0].VolumeMounts, r.names())
	}
	if d := r.b.ledger.Diagnostics(); len(d) != 1 || !strings.Contains(d[0].Message, "build context") {
		t.Errorf("diagnostics %v, want one about the build context", d)
	}
}

func TestInside(t *testing.T) {
	tests := []struct {
		dir, p string
		want   bool
	}{
		{"/proj", "/proj/a", true},
		{"/proj", "/proj", true},
		{"/proj", "/proj/../etc", false},
		{"/proj", "/projx/a", false},
		{"/proj", "/etc/passwd", false},
		{"/proj", "/proj/..a/b", true},
		{"", "/proj/a", false},
	}
	for _, tt := range tests {
		if got := inside(tt.dir, tt.p); got != tt.want {
			t.Errorf("inside(%q, %q) = %v, want %v", tt.dir, tt.p, got, tt.want)
		}
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		name    string
		vol     model.Volume
		users   []string
		opts    Options
		kind    model.Kind
		wantPVC *corev1.PersistentVolumeClaimSpec
		wantErr string
	}{
		{name: "default", vol: model.Volume{Name: "data"}, users: []string{"a"},
			wantPVC: claim(corev1.ReadWriteOnce, "1Gi", "")},
		{name: "flags", vol: model.Volume{Name: "data"}, users: []string{"a"}, opts: Options{VolumeSize: "20Gi", StorageClass: "ssd"},
			wantPVC: claim(corev1.ReadWriteOnce, "20Gi", "ssd")},
		{name: "volume wins over flags", vol: model.Volume{Name: "data", Size: "3Gi", StorageClass: "gp3"}, users: []string{"a"},
			opts: Options{VolumeSize: "20Gi", StorageClass: "ssd"}, wantPVC: claim(corev1.ReadWriteOnce, "3Gi", "gp3")},
		{name: "shared", vol: model.Volume{Name: "data"}, users: []string{"a", "b"},
			wantPVC: claim(corev1.ReadWriteMany, "1Gi", "")},
		{name: "explicit mode", vol: model.Volume{Name: "data", AccessMode: "rwop"}, users: []string{"a", "b"},
			wantPVC: claim(corev1.ReadWriteOncePod, "1Gi", "")},
		{name: "statefulset template", vol: model.Volume{Name: "data"}, users: []string{"a"}, kind: model.KindStatefulSet},
		{name: "statefulset shared keeps a claim", vol: model.Volume{Name: "data"}, users: []string{"a", "b"}, kind: model.KindStatefulSet,
			wantPVC: claim(corev1.ReadWriteMany, "1Gi", "")},
		{name: "global service", vol: model.Volume{Name: "data"}, users: []string{"a"}, kind: model.KindDaemonSet,
			wantPVC: claim(corev1.ReadWriteMany, "1Gi", "")},
		{name: "aws block", vol: model.Volume{Name: "data"}, users: []string{"a"}, opts: Options{Provider: ProviderAWS},
			wantPVC: claim(corev1.ReadWriteOnce, "1Gi", AWSBlockStorageClass)},
		{name: "aws shared is EFS", vol: model.Volume{Name: "data"}, users: []string{"a", "b"}, opts: Options{Provider: ProviderAWS},
			wantPVC: claim(corev1.ReadWriteMany, "1Gi", AWSFileStorageClass)},
		{name: "aws read-only many is EFS", vol: model.Volume{Name: "data", AccessMode: "rox"}, users: []string{"a"}, opts: Options{Provider: ProviderAWS},
			wantPVC: claim(corev1.ReadOnlyMany, "1Gi", AWSFileStorageClass)},
		{name: "aws --storage-class wins", vol: model.Volume{Name: "data"}, users: []string{"a", "b"},
			opts: Options{Provider: ProviderAWS, StorageClass: "nfs"}, wantPVC: claim(corev1.ReadWriteMany, "1Gi", "nfs")},
		{name: "bad size", vol: model.Volume{Name: "data", Size: "lots"}, users: []string{"a"}, wantErr: `size "lots"`},
		{name: "bad mode", vol: model.Volume{Name: "data", AccessMode: "sometimes"}, users: []string{"a"}, wantErr: `access mode "sometimes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.vol.Field = "volumes." + tt.vol.Name
			app := &model.App{Name: "p", Volumes: []model.Volume{tt.vol}}
			for _, u := range tt.users {
				s := svc(u, nil, model.Mount{Type: model.MountVolume, Source: tt.vol.Name, Target: "/d", Field: "services." + u + ".volumes[0]"})
				s.Global = tt.kind == model.KindDaemonSet
				app.Services = append(app.Services, s)
			}
			r := runConfig(app, tt.opts, map[string]model.Kind{"a": tt.kind})
			if tt.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) || !strings.Contains(r.err.Error(), "volumes.data") {
					t.Fatalf("err = %v, want one naming volumes.data and %s", r.err, tt.wantErr)
				}
				return
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			pvc, _ := r.object("PersistentVolumeClaim", "data").(*corev1.PersistentVolumeClaim)
			if tt.wantPVC == nil {
				if pvc != nil {
					t.Fatalf("got PVC %v, want claim templates only", pvc.Spec)
				}
				tmpl := r.templates["a"]
				if len(tmpl) != 1 || tmpl[0].Name != "data" || r.pod(t, "a").Containers[0].VolumeMounts[0].Name != "data" || len(r.pod(t, "a").Volumes) != 0 {
					t.Fatalf("templates %v, pod %v: want one template data mounted by name", tmpl, r.pod(t, "a"))
				}
				return
			}
			if pvc == nil {
				t.Fatalf("no PVC in %v", r.names())
			}
			if diff := cmp.Diff(*tt.wantPVC, pvc.Spec); diff != "" {
				t.Errorf("PVC spec (-want +got):\n%s", diff)
			}
			for _, p := range r.pods {
				if got := p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName; got != "data" {
					t.Errorf("%s mounts claim %s, want data", p.Name, got)
				}
			}
			rwx := tt.wantPVC.AccessModes[0] == corev1.ReadWriteMany
			warned := false
			for _, d := range r.b.ledger.Diagnostics() {
				warned = warned || strings.Contains(d.Message, "ReadWriteMany")
			}
			if rwx != warned {
				t.Errorf("ReadWriteMany warning = %v, want %v", warned, rwx)
			}
		})
	}
}

func claim(mode corev1.PersistentVolumeAccessMode, size, class string) *corev1.PersistentVolumeClaimSpec {
	s := &corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{mode},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
	}
	if class != "" {
		s.StorageClassName = &class
	}
	return s
}

func TestBytesQuantity(t *testing.T) {
	tests := map[int64]string{64 << 20: "64Mi", 1 << 30: "1Gi", 1e9: "1G", 1500e6: "1500M", 1536 << 20: "1536Mi", 1001: "1001", 3 << 10: "3Ki"}
	for n, want := range tests {
		if got := bytesQuantity(n).String(); got != want {
			t.Errorf("bytesQuantity(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestFileTarget(t *testing.T) {
	tests := []struct {
		target, source string
		secret         bool
		want           string
	}{
		{"", "db_password", true, "/run/secrets/db_password"},
		{"pw", "db_password", true, "/run/secrets/pw"},
		{"/etc/pw", "db_password", true, "/etc/pw"},
		{"", "app_config", false, "/app_config"},
		{"/etc/app.yaml", "app_config", false, "/etc/app.yaml"},
	}
	for _, tt := range tests {
		if got := fileTarget(tt.target, tt.source, tt.secret); got != tt.want {
			t.Errorf("fileTarget(%q, %q, %v) = %q, want %q", tt.target, tt.source, tt.secret, got, tt.want)
		}
	}
}

// TestStrategyFollowsAccessMode: a Deployment on a ReadWriteOnce claim is recreated, one on a
// shared (ReadWriteMany) claim rolls.
func TestStrategyFollowsAccessMode(t *testing.T) {
	mount := func(s, v string) model.Mount {
		return model.Mount{Type: model.MountVolume, Source: v, Target: "/d", Field: "services." + s + ".volumes[0]"}
	}
	app := &model.App{Name: "p", Source: model.Compose, Services: []*model.Service{
		svc("a", nil, mount("a", "shared")), svc("b", nil, mount("b", "shared")), svc("c", nil, mount("c", "own")),
	}, Volumes: []model.Volume{{Name: "own", Field: "volumes.own"}, {Name: "shared", Shared: true, Field: "volumes.shared"}}}
	res, err := Convert(app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]appsv1.DeploymentStrategyType{"a": "", "b": "", "c": appsv1.RecreateDeploymentStrategyType}
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok {
			if got := d.Spec.Strategy.Type; got != want[d.Name] {
				t.Errorf("Deployment %s strategy %q, want %q", d.Name, got, want[d.Name])
			}
			delete(want, d.Name)
		}
	}
	if len(want) != 0 {
		t.Errorf("no Deployment for %v", want)
	}
}

func TestEFS(t *testing.T) {
	tests := []struct {
		name   string
		efs    model.EFS
		handle string
		attrs  map[string]string
		opts   []string
	}{
		{"root", model.EFS{FileSystemID: "fs-1"}, "fs-1", map[string]string{"encryptInTransit": "false"}, nil},
		{"subdir", model.EFS{FileSystemID: "fs-1", RootDirectory: "/html", TransitEncryption: true}, "fs-1:/html", nil, nil},
		{"access point", model.EFS{FileSystemID: "fs-1", RootDirectory: "/", AccessPointID: "fsap-2", TransitEncryption: true, IAM: true},
			"fs-1::fsap-2", nil, []string{"tls", "iam"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.efs.Field = "volumes[0].efsVolumeConfiguration"
			app := &model.App{Name: "task", Source: model.ECS, Services: []*model.Service{
				svc("web", nil, model.Mount{Type: model.MountVolume, Source: "html", Target: "/usr/share/nginx/html", Field: "containerDefinitions[0].mountPoints[0]"}),
			}, Volumes: []model.Volume{{Name: "html", EFS: &tt.efs, Shared: true, AccessMode: "ReadWriteMany", Field: "volumes[0]"}}}
			res, err := Convert(app, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var pv *corev1.PersistentVolume
			var pvc *corev1.PersistentVolumeClaim
			for _, o := range res.Objects {
				switch x := o.(type) {
				case *corev1.PersistentVolume:
					pv = x
				case *corev1.PersistentVolumeClaim:
					pvc = x
				}
			}
			if pv == nil || pvc == nil {
				t.Fatalf("want a PersistentVolume and a claim, got %d objects", len(res.Objects))
			}
			want := corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
					Driver: "efs.csi.aws.com", VolumeHandle: tt.handle, VolumeAttributes: tt.attrs}},
				ClaimRef:     &corev1.ObjectReference{Namespace: "task", Name: "html"},
				MountOptions: tt.opts,
			}
			if diff := cmp.Diff(want, pv.Spec); diff != "" {
				t.Errorf("PersistentVolume spec (-want +got):\n%s", diff)
			}
			if pv.Namespace != "" || pv.Name != "task-html" {
				t.Errorf("PersistentVolume %s/%s, want cluster-scoped task-html", pv.Namespace, pv.Name)
			}
			if pvc.Spec.VolumeName != pv.Name || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "" {
				t.Errorf("claim volumeName %q storageClassName %v, want bound to %s with no class", pvc.Spec.VolumeName, pvc.Spec.StorageClassName, pv.Name)
			}
		})
	}
}
