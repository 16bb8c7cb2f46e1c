package convert

import (
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// secret.go turns Compose top-level secrets and configs into Secrets and ConfigMaps mounted as
// files where Compose puts them (/run/secrets/<name> or target; configs at /<name> or target),
// one file per mount through subPath so the rest of the target directory stays. External ones
// refer to an object that must already exist.

// composeSecretMode is the mode Compose gives secret and config files.
const composeSecretMode = 0o444

// fileObj is one top-level secret or config and the object it becomes.
type fileObj struct {
	fd     *model.FileData
	secret bool
	// name is the object's name (for external ones, the object that must exist).
	name string
	// key is the data key holding the content.
	key  string
	used bool
	// credentials: a config whose content looks like credentials, emitted as a Secret.
	credentials bool
}

// kind is the Kubernetes kind of the object.
func (f *fileObj) kind() string {
	if f.secret {
		return "Secret"
	}
	return "ConfigMap"
}

// planFileObjects names the objects of the top-level secrets and configs that services mount:
// external ones first (they exist; generated names must avoid them), then the others, each in
// name order. Unused ones get no name.
func (b *builder) planFileObjects() map[string]*fileObj {
	mounted := map[string]bool{}
	for _, svc := range b.app.Services {
		for _, c := range svc.Containers {
			for _, m := range c.Mounts {
				switch m.Type {
				case model.MountSecret:
					mounted["secret/"+m.Source] = true
				case model.MountConfig:
					mounted["config/"+m.Source] = true
				}
			}
		}
	}
	out := map[string]*fileObj{}
	add := func(list []model.FileData, secret bool, external bool) {
		prefix, kind := "config/", "ConfigMap"
		if secret {
			prefix, kind = "secret/", "Secret"
		}
		for i := range list {
			fd := &list[i]
			if fd.External != external {
				continue
			}
			f := &fileObj{fd: fd, secret: secret, key: dataKey(fd.Name)}
			// a config holding credentials is kept out of ConfigMaps too
			f.credentials = !secret && fd.Loaded && b.secretFileContent(fd.Name, fd.Content)
			f.secret = secret || f.credentials
			out[prefix+fd.Name] = f
			if mounted[prefix+fd.Name] {
				f.name = b.cfg.allocate(f.kind(), dnsLabel(firstOf(fd.ExternalName, fd.Name), maxLabel, strings.ToLower(kind)))
			}
		}
	}
	for _, external := range []bool{true, false} {
		add(b.app.Secrets, true, external)
		add(b.app.Configs, false, external)
	}
	return out
}

// fileMount mounts a Compose secret or config as one file.
func (b *builder) fileMount(p *pod, c *ctr, m model.Mount) error {
	secret := m.Type == model.MountSecret
	prefix, what := "config/", "config"
	if secret {
		prefix, what = "secret/", "secret"
	}
	f := b.config().fileObjs[prefix+m.Source]
	if f == nil {
		return b.ledger.Errorf(p.svc.Name, m.Field, "%s %q is not declared in the top-level %ss", what, m.Source, what)
	}
	f.used = true
	mode := int32(composeSecretMode)
	if m.Mode != nil {
		mode = int32(*m.Mode & 0o777)
	}
	items := []corev1.KeyToPath{{Key: f.key, Path: f.key, Mode: &mode}}
	var src corev1.VolumeSource
	if f.secret {
		src.Secret = &corev1.SecretVolumeSource{SecretName: f.name, Items: items}
	} else {
		src.ConfigMap = &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: f.name}, Items: items}
	}
	id := prefix + m.Source + ":" + strconv.FormatInt(int64(mode), 8)
	name := b.volume(p, id, what+"-"+m.Source, &src)
	m.ReadOnly = true
	reason := ""
	if m.UID != "" || m.GID != "" {
		reason = what + " " + m.Source + ": uid/gid are not set per file in Kubernetes; " +
			"the pod's securityContext.fsGroup decides the group of mounted files"
	}
	b.addMount(p, c, m, name, f.key, reason, f.kind()+"/"+f.name+" data."+f.key)
	return nil
}

// fileTarget is where Compose mounts a secret (/run/secrets/<name>, relative targets under
// /run/secrets) or a config (/<name>, relative targets under /).
func fileTarget(target, source string, secret bool) string {
	dir := "/"
	if secret {
		dir = "/run/secrets"
	}
	switch {
	case target == "":
		return path.Join(dir, source)
	case !strings.HasPrefix(target, "/"):
		return path.Join(dir, target)
	}
	return target
}

// fileObjects emits the used secrets and configs and accounts every top-level one.
func (b *builder) fileObjects() error {
	st := b.config()
	for _, key := range sortedKeys(st.fileObjs) {
		f := st.fileObjs[key]
		fd := f.fd
		switch {
		case !f.used:
			b.ledger.Ignored("", fd.Field, f.kind()+" source "+fd.Name+" is not used by any service")
		case fd.External || !fd.Loaded:
			why := "external " + strings.ToLower(f.kind()) + " " + fd.Name
			if !fd.External {
				why = "content of " + fd.Name + " could not be read"
			}
			b.ledger.Partial("", fd.Field, why+": "+f.kind()+" "+f.name+" with key "+f.key+
				" must exist in namespace "+b.ns+" before the pods start ("+createHint(f)+")", f.kind()+"/"+f.name)
		default:
			if err := b.checkSize("", fd.Field, f.kind(), f.name, len(fd.Content)); err != nil {
				return err
			}
			b.emitFileObj(f)
		}
	}
	return nil
}

func (b *builder) emitFileObj(f *fileObj) {
	ann := b.kvAnnotations("", f.kind()+"/"+f.name, f.fd.Labels)
	if f.secret {
		s := b.secret(f.name, "", map[string][]byte{f.key: b.rewrittenContent(configKey(f.fd.Name), f.fd.Content)})
		s.Annotations = ann
		b.emit(s)
	} else {
		var cm *corev1.ConfigMap
		if utf8.Valid(f.fd.Content) {
			cm = b.configMap(f.name, "", map[string]string{f.key: string(b.rewrittenContent(configKey(f.fd.Name), f.fd.Content))}, nil)
		} else {
			cm = b.configMap(f.name, "", nil, map[string][]byte{f.key: f.fd.Content})
		}
		cm.Annotations = ann
		b.emit(cm)
	}
	if target := f.kind() + "/" + f.name + " data." + f.key; b.rewrites(configKey(f.fd.Name)) {
		b.ledger.Partial("", f.fd.Field, b.renamed(configKey(f.fd.Name)), target)
	} else {
		b.ledger.Mapped("", f.fd.Field, target)
	}
	if f.credentials {
		b.ledger.Infof("", f.fd.Field, "config %s holds credentials: it became Secret %s, not a ConfigMap", f.fd.Name, f.name)
	}
}

// createHint is the kubectl command that creates what an external secret/config refers to.
func createHint(f *fileObj) string {
	if f.secret {
		return "kubectl create secret generic " + f.name + " --from-file=" + f.key + "=FILE"
	}
	return "kubectl create configmap " + f.name + " --from-file=" + f.key + "=FILE"
}
