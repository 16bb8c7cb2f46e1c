package convert_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestBindDirectoryTheAppWritesInto: Authelia binds ./authelia (its configuration) at /config
// and its configuration puts the SQLite database there. Mounted read-only from a ConfigMap or
// Secret the program could not create it. The directory is state: it becomes a writable claim at
// /config, and its files are mounted over it read-only one by one (subPath), so the program
// reads them and creates its database beside them, on a volume that keeps it. A directory whose
// files name only each other, or that is mounted :ro, is the ordinary read-only case.
func TestBindDirectoryTheAppWritesInto(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  auth:
    image: authelia/authelia:4.39
    volumes: ["./authelia:/config"]
  proxy:
    image: nginx:1.27.3
    volumes: ["./nginx:/etc/nginx/conf.d"]
  ro:
    image: authelia/authelia:4.39
    volumes: ["./authelia:/config:ro"]
`,
		"authelia/configuration.yml":  "storage:\n  local:\n    path: '/config/db.sqlite3'\nauthentication_backend:\n  file:\n    path: /config/users_database.yml\n",
		"authelia/users_database.yml": "users: {}\n",
		"nginx/default.conf":          "include /etc/nginx/conf.d/extra.conf;\nserver { listen 80; }\n",
		"nginx/extra.conf":            "gzip on;\n",
	}, convert.Options{})
	w := warnings(res, "which auth creates")
	if len(w) != 1 || w[0].Service != "auth" || w[0].Breaks ||
		!strings.Contains(w[0].Message, "configuration.yml names /config/db.sqlite3 inside it") ||
		!strings.Contains(w[0].Message, "PersistentVolumeClaim authelia") {
		t.Errorf("want one warning on auth naming configuration.yml, /config/db.sqlite3 and the claim, not breaking; got %v", w)
	}
	claims := map[string]bool{}
	mounts := map[string][]string{}
	for _, o := range res.Objects {
		switch x := o.(type) {
		case *corev1.PersistentVolumeClaim:
			claims[x.Name] = true
		case *appsv1.Deployment:
			vols := map[string]string{}
			for _, v := range x.Spec.Template.Spec.Volumes {
				switch {
				case v.PersistentVolumeClaim != nil:
					vols[v.Name] = "pvc " + v.PersistentVolumeClaim.ClaimName
				case v.Secret != nil:
					vols[v.Name] = "secret"
				case v.ConfigMap != nil:
					vols[v.Name] = "configmap"
				default:
					vols[v.Name] = "other"
				}
			}
			for _, vm := range x.Spec.Template.Spec.Containers[0].VolumeMounts {
				s := vm.MountPath + " " + vols[vm.Name]
				if vm.SubPath != "" {
					s += " subPath " + vm.SubPath
				}
				if vm.ReadOnly {
					s += " ro"
				}
				mounts[x.Name] = append(mounts[x.Name], s)
			}
			sort.Strings(mounts[x.Name])
		}
	}
	if !claims["authelia"] {
		t.Errorf("no PersistentVolumeClaim authelia; claims %v", claims)
	}
	// configuration.yml holds a path and users_database.yml no key material: a ConfigMap
	want := map[string]string{
		"auth":  "/config pvc authelia|/config/configuration.yml configmap subPath configuration.yml ro|/config/users_database.yml configmap subPath users_database.yml ro",
		"proxy": "/etc/nginx/conf.d configmap ro",
		"ro":    "/config configmap ro",
	}
	for name, w := range want {
		if got := strings.Join(mounts[name], "|"); got != w {
			t.Errorf("%s mounts\n got %s\nwant %s", name, got, w)
		}
	}
}
