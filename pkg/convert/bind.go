package convert

import (
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// bind.go turns bind mounts into volumes. Small files and directories inside the project (read
// by the loader into Mount.Files) become a ConfigMap — or a Secret when they look like key
// material — mounted read-only at the target. Anything else (outside the project, the docker
// socket, too big, missing) becomes an emptyDir with a warning, or a hostPath when
// x-berth.hostPaths lists the source. berth never puts content from outside the project into
// an object, even if the model carries some.

// bindMount converts one bind mount of owner's model into c.
func (b *builder) bindMount(p *pod, c *ctr, owner *model.Container, m model.Mount) error {
	id := "bind:" + owner.Name + ":" + m.Target
	notRead := m.NotRead
	if notRead == "" && !inside(b.app.Dir, m.Source) {
		notRead = "outside the project directory"
	}
	if notRead != "" {
		if allowedHostPath(p.svc.Options.HostPaths, m.Source) {
			name := b.volume(p, id, "host-"+path.Base(m.Target), hostPath(m.Source))
			b.addMount(p, c, m, name, m.SubPath, "bind mount of "+b.shownSource(m)+" became a hostPath volume as "+
				"x-berth.hostPaths asks: the pod sees whatever node it runs on, and Pod Security baseline/restricted forbid it")
			return nil
		}
		if why := leftOutWhy(m, notRead); why != "" {
			b.ledger.Dropped(p.svc.Name, m.Field, "bind mount of "+b.shownSource(m)+" ("+notRead+") is left out: "+why)
			b.ledger.Breaking(m.Field)
			return nil
		}
		name := b.volume(p, id, "bind-"+path.Base(m.Target), emptyDir("", 0))
		b.addMount(p, c, m, name, m.SubPath, "bind mount of "+b.shownSource(m)+" ("+notRead+") became an empty emptyDir at "+
			m.Target+"; provide the content another way (image, ConfigMap, volume) or list the path in x-berth.hostPaths")
		b.ledger.Breaking(m.Field)
		return nil
	}
	if m.IsDir && buildContext(m.Files) {
		b.ledger.Dropped(p.svc.Name, m.Field, "bind mount of "+b.shownSource(m)+" is left out: it is a build context "+
			"(it holds a Dockerfile or Compose file), so the image already has its code; live-reload binds have no "+
			"Kubernetes equivalent (rebuild and push the image instead)")
		return nil
	}
	if len(m.Files) == 0 {
		name := b.volume(p, id, "bind-"+path.Base(m.Target), emptyDir("", 0))
		b.addMount(p, c, m, name, m.SubPath, "bind mount of "+b.shownSource(m)+" is an empty directory: it became an emptyDir")
		return nil
	}
	return b.filesMount(p, c, owner, m, id)
}

// filesMount mounts the files the loader read for bind mount m as a ConfigMap or Secret.
func (b *builder) filesMount(p *pod, c *ctr, owner *model.Container, m model.Mount, id string) error {
	name, kind, obj, keys, err := b.filesVolume(p, owner, m, id)
	if err != nil {
		return err
	}
	subPath := m.SubPath
	if !m.IsDir {
		subPath = keys[0]
	}
	reason := ""
	if !m.ReadOnly {
		reason = "bind mount of " + b.shownSource(m) + " is mounted read-only from a " + kind + ": the container can no longer write to " + m.Target
	}
	if r := b.renamedFiles(m); r != "" {
		reason = strings.TrimPrefix(reason+"; "+r, "; ")
	}
	m.ReadOnly = true
	b.addMount(p, c, m, name, subPath, reason, kind+"/"+obj)
	return nil
}

// filesOver mounts the files of a directory the program writes into (persist.go made the
// directory a writable volume, mount m) one by one over that volume, read-only, from the
// ConfigMap or Secret that holds them: the program reads its files and creates its own beside.
func (b *builder) filesOver(p *pod, c *ctr, owner *model.Container, m model.Mount) error {
	fm := m
	fm.Type, fm.ReadOnly = model.MountBind, true
	name, kind, obj, _, err := b.filesVolume(p, owner, fm, "bind:"+owner.Name+":"+m.Target)
	if err != nil {
		return err
	}
	reason := b.renamedFiles(fm)
	for _, f := range m.Files {
		fm.Target = path.Join(m.Target, f.Name)
		b.addMount(p, c, fm, name, f.Name, reason, kind+"/"+obj) // a directory's volume holds each file at its name
	}
	return nil
}

// filesVolume is the pod volume of the ConfigMap or Secret holding the files of bind mount m
// (made once per pod and mount id), its kind and object name, and each file's key.
func (b *builder) filesVolume(p *pod, owner *model.Container, m model.Mount, id string) (name, kind, obj string, keys []string, err error) {
	st := b.config()
	stem := dnsLabel(path.Base(m.Target), maxLabel, "files")
	secret := slices.ContainsFunc(m.Files, func(f model.File) bool {
		name := f.Name
		if name == "" {
			name = path.Base(m.Source)
		}
		return b.secretFileContent(name, f.Content)
	})
	kind = "ConfigMap"
	if secret {
		kind = "Secret"
	}
	keys, items := fileKeys(m, stem)
	name, known := st.vols(p).names[id]
	if known {
		return name, kind, volumeObject(p, name), keys, nil
	}
	obj = st.allocate(kind, b.ownerName(p.svc, containerIndex(p.svc, owner))+"-"+stem+"-files")
	size := 0
	for _, f := range m.Files {
		size += len(f.Content)
	}
	if err := b.checkSize(p.svc.Name, m.Field, kind, obj, size); err != nil {
		return "", "", "", nil, err
	}
	b.emitFiles(p, m, obj, secret, keys)
	var src corev1.VolumeSource
	if secret {
		src.Secret = &corev1.SecretVolumeSource{SecretName: obj, Items: items}
	} else {
		src.ConfigMap = &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: obj}, Items: items}
	}
	return b.volume(p, id, "files-"+stem, &src), kind, obj, keys, nil
}

// renamedFiles says which services' names berth rewrote in m's files, "" when none.
func (b *builder) renamedFiles(m model.Mount) string {
	if !slices.ContainsFunc(m.Files, func(f model.File) bool { return b.rewrites(fileKey(m, f)) }) {
		return ""
	}
	var keys []string
	for _, f := range m.Files {
		keys = append(keys, fileKey(m, f))
	}
	return b.renamed(keys...)
}

// writesInside says which file of writable directory bind m names which path inside the mount
// that is none of its files (Authelia's configuration.yml: `path: /config/db.sqlite3` in the
// ./authelia it binds at /config): the program creates that file, so the directory is state
// (persist.go). "" when no file does.
func writesInside(m model.Mount) (file, created string) {
	if !m.IsDir || m.ReadOnly {
		return "", ""
	}
	target := strings.TrimSuffix(path.Clean("/"+m.Target), "/")
	if target == "" {
		return "", ""
	}
	have := map[string]bool{}
	for _, f := range m.Files {
		have[target+"/"+f.Name] = true
	}
	re := regexp.MustCompile(`(?:^|[^A-Za-z0-9._/-])(` + regexp.QuoteMeta(target) + `/[A-Za-z0-9._-][A-Za-z0-9._/-]*)`)
	for _, f := range m.Files {
		for _, g := range re.FindAllStringSubmatch(string(f.Content), -1) {
			if p := strings.TrimRight(g[1], "/."); !have[p] && !strings.HasSuffix(g[1], "/") {
				return f.Name, p
			}
		}
	}
	return "", ""
}

// emitFiles emits the ConfigMap or Secret holding the files of m under keys.
func (b *builder) emitFiles(p *pod, m model.Mount, obj string, secret bool, keys []string) {
	if secret {
		data := map[string][]byte{}
		for i, f := range m.Files {
			data[keys[i]] = b.rewritten(m, f)
		}
		b.emit(b.secret(obj, p.Name, data))
		b.ledger.Infof(p.svc.Name, m.Field, "bind mount of %s holds key material or credentials: it became Secret %s, not a ConfigMap", b.shownSource(m), obj)
		return
	}
	data, bin := map[string]string{}, map[string][]byte{}
	for i, f := range m.Files {
		if utf8.Valid(f.Content) {
			data[keys[i]] = string(b.rewritten(m, f))
		} else {
			bin[keys[i]] = f.Content
		}
	}
	b.emit(b.configMap(obj, p.Name, data, bin))
}

// fileKeys returns the object key of each of m's files (in order) and the volume items, which
// are needed when a key differs from the file's path or a mode is not the default.
func fileKeys(m model.Mount, stem string) ([]string, []corev1.KeyToPath) {
	keys := make([]string, len(m.Files))
	taken := map[string]bool{}
	needItems := false
	for i, f := range m.Files {
		want := f.Name
		if want == "" {
			want = path.Base(m.Target)
			if want == "/" || want == "." {
				want = stem
			}
		}
		key := dataKey(strings.ReplaceAll(want, "/", "_"))
		for n := 2; taken[key]; n++ {
			key = dataKey(strings.ReplaceAll(want, "/", "_")) + "_" + strconv.Itoa(n)
		}
		taken[key] = true
		keys[i] = key
		if (m.IsDir && key != f.Name) || fileMode(f) != nil {
			needItems = true
		}
	}
	if !needItems && m.IsDir {
		return keys, nil
	}
	items := make([]corev1.KeyToPath, len(m.Files))
	for i, f := range m.Files {
		p := keys[i]
		if m.IsDir {
			p = f.Name
		}
		items[i] = corev1.KeyToPath{Key: keys[i], Path: p, Mode: fileMode(f)}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	return keys, items
}

// fileMode is the item mode of f, nil when it is Kubernetes' default (0644). Files readable by
// all become 0644, or 0755 when executable: write bits mean nothing on a read-only volume, and
// the checkout's umask (0664 vs 0644) must not change the output. Files that are not world
// readable (0600, 0640: keys) keep their mode.
func fileMode(f model.File) *int32 {
	perm := int32(f.Mode & 0o777)
	switch {
	case perm == 0:
		return nil
	case perm&0o004 != 0 && perm&0o111 != 0:
		perm = 0o755
	case perm&0o004 != 0:
		return nil
	}
	return &perm
}

// volumeObject returns the ConfigMap or Secret behind pod volume name.
func volumeObject(p *pod, name string) string {
	for _, v := range p.Spec.Volumes {
		if v.Name != name {
			continue
		}
		if v.ConfigMap != nil {
			return v.ConfigMap.Name
		}
		if v.Secret != nil {
			return v.Secret.SecretName
		}
	}
	return ""
}

// fileLike reports whether an unread bind source is a single file or socket, not a directory:
// an emptyDir there would put a directory where the container expects a file (/etc/localtime,
// /var/run/docker.sock), which is worse than leaving the image's content.
func fileLike(m model.Mount, notRead string) bool {
	if strings.Contains(notRead, "socket") || strings.Contains(notRead, "larger than") {
		return true
	}
	if strings.HasSuffix(m.Source, "/") || strings.HasSuffix(m.Target, "/") {
		return false
	}
	base := path.Base(m.Target)
	switch base {
	case "passwd", "group", "shadow", "hosts", "hostname", "localtime", "timezone", "machine-id":
		return true
	}
	ext := path.Ext(strings.TrimPrefix(base, "."))
	return ext != "" && ext != ".d" // conf.d, dnsmasq.d are directories
}

// leftOutWhy says why an unread bind mount is left out rather than replaced by an empty
// emptyDir, or "" when an emptyDir stands in for it.
func leftOutWhy(m model.Mount, notRead string) string {
	switch {
	case runtimeMounted(m.Target):
		return "the container runtime mounts the container's own " + m.Target + " (an emptyDir there would hide it, and " +
			"runtimes refuse mounts over /proc); the container no longer sees the host's there; list the path in " +
			"x-berth.hostPaths to mount the node's (a hostPath volume; not over /proc)"
	case strings.Contains(notRead, "docker socket"):
		return "no Docker daemon answers at " + m.Target + " in the cluster, so what the container does through it " +
			"(reading other containers' labels, starting containers) fails; Kubernetes nodes mostly run containerd and " +
			"have no Docker socket to list in x-berth.hostPaths"
	case !m.IsDir && fileLike(m, notRead):
		return m.Target + " keeps the image's content; provide the file another way (image, ConfigMap) or list the path " +
			"in x-berth.hostPaths"
	}
	return ""
}

// runtimeMounted reports whether target is where the container runtime mounts a kernel
// filesystem of the container's own (/proc, /sys, /sys/fs/cgroup, /dev and below; /dev/shm is
// the pod's, see shm in podspec.go). Compose files bind the host's there (systemd images bind
// /sys/fs/cgroup, monitoring agents /sys and /dev/disk); an empty volume in its place would
// hide the container's own, and runc refuses any mount over /proc.
func runtimeMounted(target string) bool {
	t := path.Clean("/" + target)
	if t == "/dev/shm" || strings.HasPrefix(t, "/dev/shm/") {
		return false
	}
	for _, p := range []string{"/proc", "/sys", "/dev"} {
		if t == p || strings.HasPrefix(t, p+"/") {
			return true
		}
	}
	return false
}

// buildContext reports whether a bind-mounted directory is a source tree rather than
// configuration: it holds a Dockerfile or a Compose file.
func buildContext(files []model.File) bool {
	for _, f := range files {
		switch strings.ToLower(f.Name) {
		case "dockerfile", "containerfile", "compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml":
			return true
		}
	}
	return false
}

// shownSource is how messages name bind m's source: as written under the user's home
// (~/.flowise), else shownPath.
func (b *builder) shownSource(m model.Mount) string {
	if m.HomeSource != "" {
		return m.HomeSource
	}
	return b.shownPath(m.Source)
}

// shownPath is how messages name a host path: relative to the project directory when inside
// it (./static), so output does not depend on where the project lives; absolute otherwise.
func (b *builder) shownPath(p string) string {
	if !inside(b.app.Dir, p) {
		return p
	}
	rel, err := filepath.Rel(filepath.Clean(b.app.Dir), filepath.Clean(p))
	if err != nil || rel == "." {
		return "."
	}
	return "./" + filepath.ToSlash(rel)
}

// inside reports whether path p is dir or below it (lexically; the loader resolved symlinks).
func inside(dir, p string) bool {
	if dir == "" || p == "" {
		return false
	}
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// allowedHostPath reports whether x-berth.hostPaths lists source.
func allowedHostPath(allowed []string, source string) bool {
	for _, a := range allowed {
		if filepath.Clean(a) == filepath.Clean(source) {
			return true
		}
	}
	return false
}
