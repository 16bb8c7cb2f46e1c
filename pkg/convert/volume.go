package convert

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// volume.go turns a container's mounts into pod volumes and volumeMounts: named volumes
// (claims), anonymous volumes and tmpfs (emptyDir), and dispatches bind mounts and
// Compose secrets/configs to files.go.

// podVols is the volume bookkeeping of one pod.
type podVols struct {
	// names maps a volume identity (e.g. "pvc:data", "tmpfs:web:/tmp") to its pod volume name.
	names map[string]string
	// used are the taken pod volume names.
	used map[string]bool
}

// vols returns p's bookkeeping, registering volumes other concerns already added.
func (st *configState) vols(p *pod) *podVols {
	pv := st.pods[p]
	if pv == nil {
		pv = &podVols{names: map[string]string{}, used: map[string]bool{}}
		st.pods[p] = pv
	}
	for _, v := range p.Spec.Volumes {
		pv.used[v.Name] = true
	}
	return pv
}

// volume returns the pod volume for identity, adding it (named after want, made unique) with
// source src when it is new. src nil registers a name only (claim templates).
func (b *builder) volume(p *pod, identity, want string, src *corev1.VolumeSource) string {
	pv := b.config().vols(p)
	if n, ok := pv.names[identity]; ok {
		return n
	}
	base := dnsLabel(want, maxLabel, "vol")
	name := base
	for i := 2; pv.used[name]; i++ {
		suffix := "-" + strconv.Itoa(i)
		cut := base
		if len(cut)+len(suffix) > maxLabel {
			cut = cut[:maxLabel-len(suffix)]
		}
		name = cut + suffix
	}
	pv.used[name] = true
	pv.names[identity] = name
	if src != nil {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: *src})
	}
	return name
}

// podVolumes adds the container's mounts to the pod and the container.
func (b *builder) podVolumes(p *pod, c *ctr) error {
	b.config()
	for _, m := range c.M.Mounts {
		if m.FromContainer != "" {
			if err := b.volumesFrom(p, c, m); err != nil {
				return err
			}
			continue
		}
		if err := b.mount(p, c, c.M, m, false); err != nil {
			return err
		}
	}
	return nil
}

// volumesFrom mounts every volume of another container of the pod (ECS volumesFrom) at the same
// paths, read-only when asked.
func (b *builder) volumesFrom(p *pod, c *ctr, m model.Mount) error {
	var src *model.Container
	for i := range p.svc.Containers {
		if p.svc.Containers[i].Name == m.FromContainer {
			src = &p.svc.Containers[i]
		}
	}
	if src == nil || src == c.M {
		return b.ledger.Errorf(p.svc.Name, m.Field, "volumesFrom names container %q, which is not another container of this task", m.FromContainer)
	}
	for _, sm := range src.Mounts {
		if sm.FromContainer != "" {
			continue // one level, as ECS does not chain volumesFrom either
		}
		sm.Field = m.Field
		if err := b.mount(p, c, src, sm, m.ReadOnly); err != nil {
			return err
		}
	}
	return nil
}

// mount adds one mount of container owner's model to c. owner differs from c.M for volumesFrom;
// anonymous volumes, tmpfs and bind-mount files belong to the owner, so both containers share them.
func (b *builder) mount(p *pod, c *ctr, owner *model.Container, m model.Mount, forceRO bool) error {
	if m.Type == model.MountSecret || m.Type == model.MountConfig {
		m.Target = fileTarget(m.Target, m.Source, m.Type == model.MountSecret)
	}
	if m.Target == "" {
		return b.ledger.Errorf(p.svc.Name, m.Field, "mount has no target path")
	}
	for _, vm := range c.K.VolumeMounts {
		if vm.MountPath == m.Target {
			return b.ledger.Errorf(p.svc.Name, m.Field, "two mounts target %s in container %s", m.Target, c.K.Name)
		}
	}
	m.ReadOnly = m.ReadOnly || forceRO
	switch m.Type {
	case model.MountVolume:
		vm := m
		vm.Files, vm.IsDir = nil, false
		if err := b.namedMount(p, c, vm); err != nil || len(m.Files) == 0 {
			return err
		}
		return b.filesOver(p, c, owner, m) // a directory the program writes into (persist.go)
	case model.MountAnon:
		name := b.volume(p, "anon:"+owner.Name+":"+m.Target, "anon-"+path.Base(m.Target), emptyDir("", 0))
		b.addMount(p, c, m, name, m.SubPath, "anonymous volume at "+m.Target+" became an emptyDir: "+
			"its data is lost when the pod is deleted or rescheduled; use a named volume to keep it")
	case model.MountTmpfs:
		name := b.volume(p, "tmpfs:"+owner.Name+":"+m.Target, "tmpfs-"+path.Base(m.Target), emptyDir(corev1.StorageMediumMemory, m.SizeLimit))
		// the emptyDir carries the size; through volumesFrom the options were accounted at the owner
		b.addMount(p, c, m, name, "", "", p.target("volumes"))
		if owner == c.M {
			b.tmpfsOptions(p, c, m)
		}
	case model.MountBind:
		return b.bindMount(p, c, owner, m)
	case model.MountSecret, model.MountConfig:
		return b.fileMount(p, c, m)
	default:
		b.ledger.Dropped(p.svc.Name, m.Field, string(m.Type)+" mounts have no Kubernetes equivalent")
	}
	return nil
}

// addMount mounts pod volume name into c and accounts m: Mapped, or Partial with reason.
func (b *builder) addMount(p *pod, c *ctr, m model.Mount, name, subPath, reason string, targets ...string) {
	vm := corev1.VolumeMount{Name: name, MountPath: m.Target, ReadOnly: m.ReadOnly, SubPath: subPath}
	c.K.VolumeMounts = append(c.K.VolumeMounts, vm)
	targets = append(targets, p.ctarget(c, "volumeMounts["+strconv.Itoa(len(c.K.VolumeMounts)-1)+"]"))
	if reason != "" {
		b.ledger.Partial(p.svc.Name, m.Field, reason, targets...)
		return
	}
	b.ledger.Mapped(p.svc.Name, m.Field, targets...)
}

// namedMount mounts a named volume: an external claim, a claim template of a StatefulSet that
// alone mounts it, or the app-level claim.
func (b *builder) namedMount(p *pod, c *ctr, m model.Mount) error {
	st := b.config()
	v := b.volumeNamed(m.Source)
	if v == nil {
		return b.ledger.Errorf(p.svc.Name, m.Field, "volume %q is not declared in the top-level volumes", m.Source)
	}
	switch {
	case v.Scratch:
		medium := corev1.StorageMediumDefault
		if v.Memory {
			medium = corev1.StorageMediumMemory
		}
		name := b.volume(p, "scratch:"+v.Name, v.Name, emptyDir(medium, 0))
		b.addMount(p, c, m, name, m.SubPath, "")
		b.ledger.Mapped("", v.Field, p.target("volumes"))
		for _, l := range v.Labels {
			b.ledger.Dropped("", l.Field, "volume labels: an emptyDir carries none")
		}
		return nil
	case v.HostPath != "":
		return b.hostVolume(p, c, m, v)
	case v.External:
		claim := externalClaim(*v)
		name := b.volume(p, "pvc:"+v.Name, v.Name, &corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}})
		b.addMount(p, c, m, name, m.SubPath, "")
		return nil
	}
	if _, err := b.claimSpec(v); err != nil {
		return err
	}
	users := st.claims.users[v.Name]
	if p.Kind == model.KindStatefulSet && len(users) == 1 && !v.Shared && v.EFS == nil {
		if _, done := st.vols(p).names["pvc:"+v.Name]; !done {
			st.claims.templates[p] = append(st.claims.templates[p], v.Name)
			b.ledger.Mapped("", v.Field, string(p.Kind)+"/"+p.Name+" spec.volumeClaimTemplates["+
				strconv.Itoa(len(st.claims.templates[p])-1)+"]")
		}
		name := b.volume(p, "pvc:"+v.Name, v.Name, nil)
		b.addMount(p, c, m, name, m.SubPath, "")
		return nil
	}
	st.claims.pvc[v.Name] = true
	name := b.volume(p, "pvc:"+v.Name, v.Name, &corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: st.claims.names[v.Name]}})
	b.addMount(p, c, m, name, m.SubPath, "", "PersistentVolumeClaim/"+st.claims.names[v.Name])
	return nil
}

// hostVolume mounts an ECS host volume: a hostPath when x-berth.hostPaths allows it, else an
// emptyDir.
func (b *builder) hostVolume(p *pod, c *ctr, m model.Mount, v *model.Volume) error {
	if allowedHostPath(p.svc.Options.HostPaths, v.HostPath) {
		name := b.volume(p, "host:"+v.HostPath, v.Name, hostPath(v.HostPath))
		b.addMount(p, c, m, name, m.SubPath, "host path "+v.HostPath+" became a hostPath volume as the input asks (x-berth.hostPaths, ECS host volume): "+
			"the pod sees whatever node it runs on, and Pod Security baseline/restricted forbid it")
		b.ledger.Mapped("", v.Field, p.target("volumes"))
		return nil
	}
	name := b.volume(p, "scratch:"+v.Name, v.Name, emptyDir("", 0))
	b.addMount(p, c, m, name, m.SubPath, "host path "+v.HostPath+" became an emptyDir (empty at start, lost with the pod); "+
		"list it in x-berth.hostPaths to mount the node's path instead")
	b.ledger.Ignored("", v.Field, "host volume "+v.Name+" is replaced by an emptyDir where it is mounted")
	return nil
}

// emptyDir is an emptyDir source; medium Memory is tmpfs, limit in bytes (0 = none).
func emptyDir(medium corev1.StorageMedium, limit int64) *corev1.VolumeSource {
	ed := &corev1.EmptyDirVolumeSource{Medium: medium}
	if limit > 0 {
		ed.SizeLimit = bytesQuantity(limit)
	}
	return &corev1.VolumeSource{EmptyDir: ed}
}

func hostPath(p string) *corev1.VolumeSource {
	return &corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}
}

// bytesQuantity renders n bytes canonically: the largest binary unit that divides it (64Mi),
// else decimal (1500M), else plain bytes.
func bytesQuantity(n int64) *resource.Quantity {
	for _, u := range []struct {
		size   int64
		suffix string
	}{{1 << 40, "Ti"}, {1 << 30, "Gi"}, {1 << 20, "Mi"}, {1 << 10, "Ki"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if n%u.size == 0 {
			q := resource.MustParse(strconv.FormatInt(n/u.size, 10) + u.suffix)
			return &q
		}
	}
	q := resource.NewQuantity(n, resource.DecimalSI)
	return q
}

// tmpfsOptions accounts a tmpfs's mount options: "ro" (and "rw") are the mount's readOnly;
// the others (noexec, nosuid, mode=...) have no emptyDir equivalent.
func (b *builder) tmpfsOptions(p *pod, c *ctr, m model.Mount) {
	if len(m.Options) == 0 {
		return
	}
	var lost []string
	for _, o := range m.Options {
		if o != "ro" && o != "rw" {
			lost = append(lost, o)
		}
	}
	field, target := m.Paths.Of(model.KeyOptions), p.ctarget(c, "volumeMounts")
	if len(lost) == 0 {
		b.ledger.Mapped(p.svc.Name, field, target+" readOnly")
		return
	}
	b.ledger.Partial(p.svc.Name, field, fmt.Sprintf("tmpfs %s: mount option %s has no emptyDir equivalent (only \"ro\" is kept, as readOnly)", m.Target, strings.Join(lost, ", ")), target)
}
