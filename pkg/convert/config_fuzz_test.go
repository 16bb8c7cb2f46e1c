package convert

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// fuzzApp builds an app from fuzz input: ';' separates services, ',' their items. An item
// "e:NAME=VALUE" is a variable, "u:NAME" an unset one, and "v:", "a:", "t:", "b:", "s:", "c:"
// followed by SOURCE>TARGET are named, anonymous, tmpfs, bind, secret and config mounts.
func fuzzApp(in string) *model.App {
	app := &model.App{Name: "fz", Dir: "/proj"}
	vols, secrets, configs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for si, spec := range strings.Split(in, ";") {
		items := strings.Split(spec, ",")
		name := items[0]
		if name == "" || app.Service(name) != nil {
			name = "svc" + string(rune('a'+si%26))
		}
		s := svc(name, nil)
		c := s.Main()
		for i, it := range items[1:] {
			kind, rest, _ := strings.Cut(it, ":")
			src, target, _ := strings.Cut(rest, ">")
			field := s.Field + ".x[" + string(rune('0'+i%10)) + "]"
			switch kind {
			case "e":
				k, v, _ := strings.Cut(rest, "=")
				if k != "" && !hasKey(c.Env, k) {
					c.Env = append(c.Env, model.EnvVar{Name: k, Value: v, Field: field})
				}
			case "u":
				if rest != "" && !hasKey(c.Env, rest) {
					c.Env = append(c.Env, model.EnvVar{Name: rest, Unset: true, Field: field})
				}
			case "v":
				c.Mounts = append(c.Mounts, model.Mount{Type: model.MountVolume, Source: src, Target: target, Field: field})
				vols[src] = true
			case "a":
				c.Mounts = append(c.Mounts, model.Mount{Type: model.MountAnon, Target: target, Field: field})
			case "t":
				c.Mounts = append(c.Mounts, model.Mount{Type: model.MountTmpfs, Target: target, SizeLimit: int64(len(src)) << 20, Field: field})
			case "b":
				m := model.Mount{Type: model.MountBind, Source: "/proj/" + src, Target: target, Field: field, IsDir: strings.HasSuffix(src, "/")}
				if m.IsDir {
					m.Files = []model.File{{Name: src, Content: []byte(target)}, {Name: target, Content: []byte(src), Mode: 0o755}}
				} else {
					m.Files = []model.File{{Content: []byte(rest)}}
				}
				c.Mounts = append(c.Mounts, m)
			case "s":
				c.Mounts = append(c.Mounts, model.Mount{Type: model.MountSecret, Source: src, Target: target, Field: field})
				secrets[src] = true
			case "c":
				c.Mounts = append(c.Mounts, model.Mount{Type: model.MountConfig, Source: src, Target: target, Field: field})
				configs[src] = true
			}
		}
		app.Services = append(app.Services, s)
	}
	for _, n := range sortedKeys(vols) {
		app.Volumes = append(app.Volumes, model.Volume{Name: n, Field: "volumes." + n})
	}
	for _, n := range sortedKeys(secrets) {
		app.Secrets = append(app.Secrets, model.FileData{Name: n, Content: []byte(n), Loaded: true, Field: "secrets." + n})
	}
	for _, n := range sortedKeys(configs) {
		app.Configs = append(app.Configs, model.FileData{Name: n, Content: []byte(n), Loaded: true, Field: "configs." + n})
	}
	return app
}

// FuzzConfig runs the config and storage concern on arbitrary services: it must not panic, and
// whatever it emits must be well-formed (valid names and keys, mounts that refer to volumes,
// every container seeing exactly its environment).
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{
		"web,e:A=1,e:DB_PASSWORD=x,v:data>/data,b:nginx.conf>/etc/nginx.conf;api,e:A=1,e:DB_PASSWORD=x,s:pw>,c:cfg>/etc/c",
		"a,e:my var=$(X),e:weird/token=t,u:GONE,t:xx>/tmp,a:>/cache;b,b:www/>/www",
		"Ünïcode,e:K=v;Ünïcode,e:K=v;__,e:K=v,v:../x>/x",
		"x,v:d>/d,v:d>/d",
		"x,s:s>rel,s:s>/abs,c:c>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 2000 {
			return
		}
		r := runConfig(fuzzApp(in), Options{}, map[string]model.Kind{"web": model.KindStatefulSet})
		if r.err != nil {
			return
		}
		checkWellFormed(t, r)
		checkExactEnv(t, r)
	})
}

// checkWellFormed asserts names, keys and references of a run are valid for Kubernetes.
func checkWellFormed(t *testing.T, r *cfgRun) {
	t.Helper()
	for _, o := range r.b.objs {
		if errs := validation.IsDNS1123Subdomain(o.GetName()); len(errs) > 0 {
			t.Errorf("%T name %q: %v", o, o.GetName(), errs)
		}
		var keys []string
		switch x := o.(type) {
		case *corev1.ConfigMap:
			keys = append(sortedKeys(x.Data), sortedKeys(x.BinaryData)...)
		case *corev1.Secret:
			keys = sortedKeys(x.Data)
		}
		for _, k := range keys {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				t.Errorf("%s key %q: %v", o.GetName(), k, errs)
			}
		}
	}
	for _, p := range r.pods {
		names := map[string]bool{}
		for _, v := range p.Spec.Volumes {
			if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 || names[v.Name] {
				t.Errorf("pod %s volume %q: invalid or duplicate %v", p.Name, v.Name, errs)
			}
			names[v.Name] = true
		}
		for _, ct := range r.templates[p.Name] {
			names[ct.Name] = true
		}
		for _, c := range p.Spec.Containers {
			paths := map[string]bool{}
			for _, m := range c.VolumeMounts {
				if !names[m.Name] {
					t.Errorf("pod %s mounts unknown volume %q", p.Name, m.Name)
				}
				if paths[m.MountPath] {
					t.Errorf("pod %s mounts %s twice", p.Name, m.MountPath)
				}
				paths[m.MountPath] = true
			}
		}
	}
}
