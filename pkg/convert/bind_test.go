package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func mode(m int32) *int32 { return &m }

// TestBindRules covers each bind-mount rule: the pod volume, the mount and the object.
func TestBindRules(t *testing.T) {
	tests := []struct {
		name      string
		mount     model.Mount
		hostPaths []string
		wantVol   *corev1.VolumeSource // nil: no volume
		wantMount *corev1.VolumeMount  // nil: no mount
		wantObj   string               // Kind/name of the object holding the files, "" for none
		wantData  map[string]string
		wantBin   []string
		outcome   string // substring of the warning, "" for none
	}{
		{
			name:      "single file read-only",
			mount:     model.Mount{Source: "/proj/nginx.conf", Target: "/etc/nginx/nginx.conf", ReadOnly: true, Files: []model.File{{Content: []byte("x"), Mode: 0o644}}},
			wantVol:   &corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-nginx-conf-files"}, Items: []corev1.KeyToPath{{Key: "nginx.conf", Path: "nginx.conf"}}}},
			wantMount: &corev1.VolumeMount{Name: "files-nginx-conf", MountPath: "/etc/nginx/nginx.conf", SubPath: "nginx.conf", ReadOnly: true},
			wantObj:   "ConfigMap/web-nginx-conf-files", wantData: map[string]string{"nginx.conf": "x"},
		},
		{
			name:      "single file writable becomes read-only with a warning",
			mount:     model.Mount{Source: "/proj/app.ini", Target: "/app/app.ini", Files: []model.File{{Content: []byte("a=1"), Mode: 0o775}}},
			wantVol:   &corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-app-ini-files"}, Items: []corev1.KeyToPath{{Key: "app.ini", Path: "app.ini", Mode: mode(0o755)}}}},
			wantMount: &corev1.VolumeMount{Name: "files-app-ini", MountPath: "/app/app.ini", SubPath: "app.ini", ReadOnly: true},
			wantObj:   "ConfigMap/web-app-ini-files", wantData: map[string]string{"app.ini": "a=1"},
			outcome: "can no longer write",
		},
		{
			name: "flat directory without items",
			mount: model.Mount{Source: "/proj/conf", Target: "/etc/conf", IsDir: true, ReadOnly: true, Files: []model.File{
				{Name: "a.yaml", Content: []byte("a")}, {Name: "b.yaml", Content: []byte("b"), Mode: 0o664}}},
			wantVol:   &corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-conf-files"}}},
			wantMount: &corev1.VolumeMount{Name: "files-conf", MountPath: "/etc/conf", ReadOnly: true},
			wantObj:   "ConfigMap/web-conf-files", wantData: map[string]string{"a.yaml": "a", "b.yaml": "b"},
		},
		{
			name: "directory with binary, nested and odd names",
			mount: model.Mount{Source: "/proj/www", Target: "/www", IsDir: true, ReadOnly: true, Files: []model.File{
				{Name: "img/logo.png", Content: []byte{0xff, 0xfe}}, {Name: "my page.html", Content: []byte("p")}}},
			wantVol: &corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-www-files"},
				Items: []corev1.KeyToPath{{Key: "img_logo.png", Path: "img/logo.png"}, {Key: "my_page.html", Path: "my page.html"}}}},
			wantMount: &corev1.VolumeMount{Name: "files-www", MountPath: "/www", ReadOnly: true},
			wantObj:   "ConfigMap/web-www-files", wantData: map[string]string{"my_page.html": "p"}, wantBin: []string{"img_logo.png"},
		},
		{
			name:      "key material goes to a Secret",
			mount:     model.Mount{Source: "/proj/server.key", Target: "/tls/server.key", ReadOnly: true, Files: []model.File{{Content: []byte("k"), Mode: 0o600}}},
			wantVol:   &corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "web-server-key-files", Items: []corev1.KeyToPath{{Key: "server.key", Path: "server.key", Mode: mode(0o600)}}}},
			wantMount: &corev1.VolumeMount{Name: "files-server-key", MountPath: "/tls/server.key", SubPath: "server.key", ReadOnly: true},
			wantObj:   "Secret/web-server-key-files",
		},
		{
			name:      "unread directory becomes an emptyDir",
			mount:     model.Mount{Source: "/data", Target: "/var/lib/data", NotRead: "outside the project directory"},
			wantVol:   &corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
			wantMount: &corev1.VolumeMount{Name: "bind-data", MountPath: "/var/lib/data"},
			outcome:   "empty emptyDir",
		},
		{
			name:      "unread conf.d directory becomes an emptyDir",
			mount:     model.Mount{Source: "/proj/dnsmasq.d", Target: "/etc/dnsmasq.d", NotRead: "missing: /proj/dnsmasq.d does not exist"},
			wantVol:   &corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
			wantMount: &corev1.VolumeMount{Name: "bind-dnsmasq-d", MountPath: "/etc/dnsmasq.d"},
			outcome:   "empty emptyDir",
		},
		{
			name:    "unread file is left out",
			mount:   model.Mount{Source: "/etc/localtime", Target: "/etc/localtime", ReadOnly: true, NotRead: "outside the project directory"},
			outcome: "left out",
		},
		{
			name:    "the host's cgroup tree is left out: the runtime mounts the container's own",
			mount:   model.Mount{Source: "/sys/fs/cgroup", Target: "/sys/fs/cgroup", ReadOnly: true, IsDir: true, NotRead: "outside the project directory"},
			outcome: "runtime mounts the container's own /sys/fs/cgroup",
		},
		{
			name:    "nothing is mounted over /proc",
			mount:   model.Mount{Source: "/proc", Target: "/proc/", NotRead: "outside the project directory"},
			outcome: "left out",
		},
		{
			name:      "the host's /proc elsewhere is an emptyDir as before",
			mount:     model.Mount{Source: "/proc", Target: "/host/proc", ReadOnly: true, NotRead: "outside the project directory"},
			wantVol:   &corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
			wantMount: &corev1.VolumeMount{Name: "bind-proc", MountPath: "/host/proc", ReadOnly: true},
			outcome:   "empty emptyDir",
		},
		{
			name:    "docker socket is left out",
			mount:   model.Mount{Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", NotRead: "docker socket"},
			outcome: "left out",
		},
		{
			name:      "allowed host path",
			mount:     model.Mount{Source: "/var/run/docker.sock", Target: "/var/run/docker.sock", NotRead: "docker socket"},
			hostPaths: []string{"/var/run/docker.sock"},
			wantVol:   &corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}},
			wantMount: &corev1.VolumeMount{Name: "host-docker-sock", MountPath: "/var/run/docker.sock"},
			outcome:   "hostPath",
		},
		{
			name:      "empty directory",
			mount:     model.Mount{Source: "/proj/empty", Target: "/empty", IsDir: true},
			wantVol:   &corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
			wantMount: &corev1.VolumeMount{Name: "bind-empty", MountPath: "/empty"},
			outcome:   "empty directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.mount.Type, tt.mount.Field = model.MountBind, "services.web.volumes[0]"
			s := svc("web", nil, tt.mount)
			s.Options.HostPaths = tt.hostPaths
			r := runConfig(&model.App{Name: "p", Dir: "/proj", Services: []*model.Service{s}}, Options{}, nil)
			if r.err != nil {
				t.Fatal(r.err)
			}
			spec := r.pod(t, "web")
			var gotVol *corev1.VolumeSource
			if len(spec.Volumes) > 0 {
				gotVol = &spec.Volumes[0].VolumeSource
			}
			if diff := cmp.Diff(tt.wantVol, gotVol); diff != "" {
				t.Errorf("volume (-want +got):\n%s", diff)
			}
			var gotMount *corev1.VolumeMount
			if m := spec.Containers[0].VolumeMounts; len(m) > 0 {
				gotMount = &m[0]
			}
			if diff := cmp.Diff(tt.wantMount, gotMount); diff != "" {
				t.Errorf("mount (-want +got):\n%s", diff)
			}
			var names []string
			if tt.wantObj != "" {
				names = []string{tt.wantObj}
			}
			if diff := cmp.Diff(names, r.names()); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if cm, ok := r.object("ConfigMap", strings.TrimPrefix(tt.wantObj, "ConfigMap/")).(*corev1.ConfigMap); ok {
				if diff := cmp.Diff(tt.wantData, cm.Data); diff != "" {
					t.Errorf("data (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantBin, sortedKeys(cm.BinaryData)); diff != "" && len(tt.wantBin)+len(cm.BinaryData) > 0 {
					t.Errorf("binaryData keys (-want +got):\n%s", diff)
				}
			}
			diags := r.b.ledger.Diagnostics()
			switch {
			case tt.outcome == "" && diags.Count(0)+diags.Count(1) > 0 && !strings.Contains(tt.wantObj, "Secret"):
				t.Errorf("unexpected diagnostics %v", diags)
			case tt.outcome != "" && (len(diags) == 0 || !strings.Contains(diags[0].Message, tt.outcome)):
				t.Errorf("diagnostics %v, want one saying %q", diags, tt.outcome)
			}
		})
	}
}

// TestComposeFileObjects covers Compose secrets and configs: default and relative targets,
// modes, external and unreadable sources, binary configs and unused ones.
func TestComposeFileObjects(t *testing.T) {
	web := svc("web", nil,
		model.Mount{Type: model.MountSecret, Source: "db_pw", Field: "services.web.secrets[0]"},
		model.Mount{Type: model.MountSecret, Source: "db_pw", Target: "/etc/pw", Mode: u32(0o400), Field: "services.web.secrets[1]"},
		model.Mount{Type: model.MountSecret, Source: "ext", Field: "services.web.secrets[2]"},
		model.Mount{Type: model.MountConfig, Source: "logo", Field: "services.web.configs[0]"},
		model.Mount{Type: model.MountConfig, Source: "gone", Target: "/etc/gone.conf", Field: "services.web.configs[1]"},
		model.Mount{Type: model.MountConfig, Source: "creds", Target: "/etc/creds.yaml", Field: "services.web.configs[2]"},
	)
	app := &model.App{Name: "p", Services: []*model.Service{web},
		Secrets: []model.FileData{
			{Name: "db_pw", Content: []byte("pw"), Loaded: true, Field: "secrets.db_pw"},
			{Name: "ext", External: true, ExternalName: "prod_ext", Field: "secrets.ext"},
			{Name: "spare", Content: []byte("x"), Loaded: true, Field: "secrets.spare"},
		},
		Configs: []model.FileData{
			{Name: "creds", Content: []byte("user: app\npassword: hunter2\n"), Loaded: true, Field: "configs.creds"},
			{Name: "gone", File: "/proj/gone.conf", Field: "configs.gone"},
			{Name: "logo", Content: []byte{0xff, 0x00}, Loaded: true, Field: "configs.logo"},
		},
	}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/logo", "Secret/creds", "Secret/db-pw"}, r.names()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if cm := r.object("ConfigMap", "logo").(*corev1.ConfigMap); cm.Data != nil || len(cm.BinaryData["logo"]) != 2 {
		t.Errorf("binary config: data %v binaryData %v", cm.Data, cm.BinaryData)
	}
	spec := r.pod(t, "web")
	gotMounts := map[string]string{}
	for _, m := range spec.Containers[0].VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("mount %s is writable", m.MountPath)
		}
		gotMounts[m.MountPath] = m.Name + " " + m.SubPath
	}
	wantMounts := map[string]string{
		"/run/secrets/db_pw": "secret-db-pw db_pw",
		"/etc/pw":            "secret-db-pw-2 db_pw",
		"/run/secrets/ext":   "secret-ext ext",
		"/logo":              "config-logo logo",
		"/etc/gone.conf":     "config-gone gone",
		"/etc/creds.yaml":    "config-creds creds",
	}
	if diff := cmp.Diff(wantMounts, gotMounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
	modes := map[string]int32{}
	for _, v := range spec.Volumes {
		if v.Name == "config-creds" && v.Secret == nil {
			t.Errorf("config holding a password is mounted from %+v, want its Secret", v.VolumeSource)
		}
		switch {
		case v.Secret != nil:
			modes[v.Name] = *v.Secret.Items[0].Mode
			if v.Name == "secret-ext" && v.Secret.SecretName != "prod-ext" {
				t.Errorf("external secret refers to %s, want prod-ext", v.Secret.SecretName)
			}
		case v.ConfigMap != nil:
			modes[v.Name] = *v.ConfigMap.Items[0].Mode
		}
	}
	wantModes := map[string]int32{"secret-db-pw": 0o444, "secret-db-pw-2": 0o400, "secret-ext": 0o444, "config-logo": 0o444,
		"config-gone": 0o444, "config-creds": 0o444}
	if diff := cmp.Diff(wantModes, modes); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
	outcomes := map[string]string{}
	for _, a := range r.b.ledger.Entries() {
		if !strings.HasPrefix(a.Field, "services.") {
			outcomes[a.Field] = string(a.Outcome)
		}
	}
	wantOutcomes := map[string]string{"secrets.db_pw": "mapped", "secrets.ext": "partial", "secrets.spare": "ignored",
		"configs.gone": "partial", "configs.logo": "mapped", "configs.creds": "mapped"}
	if diff := cmp.Diff(wantOutcomes, outcomes); diff != "" {
		t.Errorf("top-level outcomes (-want +got):\n%s", diff)
	}
}

// TestGeneratedNamesCollide: a Compose config named like a service's env ConfigMap keeps its
// name; the generated one gets a suffix.
func TestGeneratedNamesCollide(t *testing.T) {
	web := svc("web", []model.EnvVar{ev("web", "A", "1")},
		model.Mount{Type: model.MountConfig, Source: "web-env", Field: "services.web.configs[0]"})
	app := &model.App{Name: "p", Services: []*model.Service{web},
		Configs: []model.FileData{{Name: "web-env", Content: []byte("c"), Loaded: true, Field: "configs.web-env"}}}
	r := runConfig(app, Options{}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/web-env", "ConfigMap/web-env-2"}, r.names()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if got := r.pod(t, "web").Containers[0].EnvFrom[0].ConfigMapRef.Name; got != "web-env-2" {
		t.Errorf("envFrom names %s, want web-env-2", got)
	}
	checkExactEnv(t, r)
}
