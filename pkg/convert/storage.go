package convert

import (
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// storage.go turns named volumes into PersistentVolumeClaims (or a StatefulSet's
// volumeClaimTemplates) and accounts the top-level volumes.

// claimPlan records which services mount which named volume and what became of each.
type claimPlan struct {
	// users are the services (sorted, unique) mounting each volume.
	users map[string][]string
	// global marks volumes a one-pod-per-node service mounts (its pods span nodes).
	global map[string]string
	// names are the claim (PVC or claim template) names of non-external volumes.
	names map[string]string
	// pvc marks volumes that need an app-level PersistentVolumeClaim.
	pvc map[string]bool
	// templates lists, per StatefulSet pod, the volumes it owns as claim templates.
	templates map[*pod][]string
	// specs caches each volume's claim spec (computed once: it may warn).
	specs map[string]corev1.PersistentVolumeClaimSpec
	// noted marks the provider storage classes already named in an info.
	noted map[string]bool
}

// planClaims finds each named volume's users and names its claim.
func (b *builder) planClaims() *claimPlan {
	cp := &claimPlan{users: map[string][]string{}, global: map[string]string{}, names: map[string]string{}, pvc: map[string]bool{},
		templates: map[*pod][]string{}, specs: map[string]corev1.PersistentVolumeClaimSpec{}, noted: map[string]bool{}}
	for _, svc := range b.app.Services {
		for _, c := range svc.Containers {
			for _, m := range c.Mounts {
				if m.Type != model.MountVolume {
					continue
				}
				if svc.Global || svc.Kind == model.KindDaemonSet {
					cp.global[m.Source] = svc.Name
				}
				us := cp.users[m.Source]
				if len(us) == 0 || us[len(us)-1] != svc.Name {
					cp.users[m.Source] = append(us, svc.Name)
				}
			}
		}
	}
	for _, v := range b.app.Volumes {
		if v.External {
			b.cfg.allocate("PersistentVolumeClaim", externalClaim(v))
		}
	}
	for _, v := range b.app.Volumes {
		if !v.External {
			cp.names[v.Name] = b.cfg.allocate("PersistentVolumeClaim", dnsLabel(v.Name, maxLabel, "data"))
		}
	}
	return cp
}

// externalClaim is the name of the existing claim an external volume refers to.
func externalClaim(v model.Volume) string {
	n := v.ExternalName
	if n == "" {
		n = v.Name
	}
	return dnsLabel(n, maxLabel, "data")
}

// claimSpec is the PersistentVolumeClaim spec of named volume v.
func (b *builder) claimSpec(v *model.Volume) (corev1.PersistentVolumeClaimSpec, error) {
	cp := b.config().claims
	if spec, ok := cp.specs[v.Name]; ok {
		return spec, nil
	}
	x := b.app.Options.Volumes[v.Name]
	size := firstOf(v.Size, x.Size, b.opts.VolumeSize)
	q, err := resource.ParseQuantity(size)
	if err != nil || q.Sign() <= 0 {
		return corev1.PersistentVolumeClaimSpec{}, b.ledger.Errorf("", v.Field,
			"volume %s: size %q is not a positive quantity such as 10Gi", v.Name, size)
	}
	class := firstOf(v.StorageClass, x.StorageClass, b.opts.StorageClass)
	// The provider's file storage class supports ReadWriteMany: no need to warn then.
	// A volume of persist.go says so in its own warning.
	warn := (class != "" || b.opts.Provider != ProviderAWS) && b.keptState(v.Name) == nil
	mode, err := b.accessMode(v, firstOf(v.AccessMode, x.AccessMode), warn)
	if err != nil {
		return corev1.PersistentVolumeClaimSpec{}, err
	}
	spec := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{mode},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q}},
	}
	if sc := firstOf(class, b.providerStorageClass(v, mode)); sc != "" {
		spec.StorageClassName = &sc
	}
	cp.specs[v.Name] = spec
	return spec, nil
}

// volumeAccessMode is the access mode of the claim behind named volume name, or "" when the
// volume is no claim (scratch, host path, undeclared). External claims count as ReadWriteOnce:
// berth cannot know, and that is the safe assumption for rollouts.
func (b *builder) volumeAccessMode(name string) corev1.PersistentVolumeAccessMode {
	v := b.volumeNamed(name)
	switch {
	case v == nil || v.Scratch || v.HostPath != "":
		return ""
	case v.External:
		return corev1.ReadWriteOnce
	}
	spec, err := b.claimSpec(v)
	if err != nil {
		return "" // the same error stops the conversion where the volume is mounted
	}
	return spec.AccessModes[0]
}

// accessMode is the claim's access mode: as asked, else ReadWriteMany for a volume several
// services mount (with a warning when warn: the storage class must support it), else
// ReadWriteOnce.
func (b *builder) accessMode(v *model.Volume, asked string, warn bool) (corev1.PersistentVolumeAccessMode, error) {
	if asked != "" {
		switch strings.ToLower(asked) {
		case "readwriteonce", "rwo":
			return corev1.ReadWriteOnce, nil
		case "readwritemany", "rwx":
			return corev1.ReadWriteMany, nil
		case "readonlymany", "rox":
			return corev1.ReadOnlyMany, nil
		case "readwriteoncepod", "rwop":
			return corev1.ReadWriteOncePod, nil
		}
		return "", b.ledger.Errorf("", v.Field, "volume %s: access mode %q is not one of "+
			"ReadWriteOnce, ReadWriteMany, ReadOnlyMany, ReadWriteOncePod", v.Name, asked)
	}
	if v.EFS != nil {
		return corev1.ReadWriteMany, nil // EFS is a shared file system
	}
	users, global := b.cfg.claims.users[v.Name], b.cfg.claims.global[v.Name]
	if len(users) > 1 || v.Shared || global != "" {
		if !warn {
			return corev1.ReadWriteMany, nil
		}
		who := "is shared"
		switch {
		case len(users) > 1:
			who = "is mounted by services " + strings.Join(users, ", ")
		case global != "":
			who = "is mounted by " + global + ", which runs one pod per node"
		}
		b.ledger.Warnf("", v.Field, "volume %s %s: its claim asks for ReadWriteMany, which the storage "+
			"class must support (file storage such as NFS, EFS or Azure Files; most block storage does not); "+
			"set x-berth.volumes.%s.accessMode to override", v.Name, who, v.Name)
		return corev1.ReadWriteMany, nil
	}
	return corev1.ReadWriteOnce, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// claimTemplates returns the StatefulSet's volumeClaimTemplates: one per named volume that only
// this service mounts (podVolumes decided which).
func (b *builder) claimTemplates(p *pod) []corev1.PersistentVolumeClaim {
	st := b.config()
	var out []corev1.PersistentVolumeClaim
	for _, name := range st.claims.templates[p] {
		v := b.volumeNamed(name)
		out = append(out, corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: st.pods[p].names["pvc:"+name], Labels: Labels(b.app.Name, p.Name),
				Annotations: b.kvAnnotations(p.svc.Name,
					string(p.Kind)+"/"+p.Name+" spec.volumeClaimTemplates["+strconv.Itoa(len(out))+"]", v.Labels)},
			Spec: st.claims.specs[name],
		})
	}
	return out
}

// claimObjects emits the app-level PersistentVolumeClaims and accounts the top-level volumes.
func (b *builder) claimObjects() error {
	cp := b.config().claims
	for i := range b.app.Volumes {
		v := &b.app.Volumes[i]
		switch {
		case len(cp.users[v.Name]) == 0:
			b.ledger.Ignored("", v.Field, "volume "+v.Name+" is not mounted by any service")
		case v.External:
			b.ledger.Partial("", v.Field, "external volume "+v.Name+": PersistentVolumeClaim "+externalClaim(*v)+
				" must exist in namespace "+b.ns+" before the pods start", "PersistentVolumeClaim/"+externalClaim(*v))
		case cp.pvc[v.Name]:
			spec, err := b.claimSpec(v)
			if err != nil {
				return err
			}
			if v.EFS != nil {
				b.bindEFS(v, cp.names[v.Name], &spec)
			}
			b.emit(&corev1.PersistentVolumeClaim{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
				ObjectMeta: b.claimMeta(v),
				Spec:       spec,
			})
			b.ledger.Mapped("", v.Field, "PersistentVolumeClaim/"+cp.names[v.Name])
			b.volumeDriver(v)
		default:
			b.volumeDriver(v) // claim templates of StatefulSets account themselves
		}
	}
	return nil
}

func (b *builder) claimMeta(v *model.Volume) metav1.ObjectMeta {
	m := objectMeta(b.config().claims.names[v.Name], b.ns, b.app.Name, "")
	m.Annotations = b.kvAnnotations("", "PersistentVolumeClaim/"+m.Name, v.Labels)
	return m
}

// volumeDriver reports a volume driver berth cannot honour: the storage class decides.
func (b *builder) volumeDriver(v *model.Volume) {
	if v.Driver != "" && v.Driver != "local" {
		b.partialAt("", v.Paths.All(model.KeyDriver), "volume "+v.Name+": driver "+v.Driver+
			" has no Kubernetes equivalent; the claim's storage class decides where data lives")
	}
}

// kvAnnotations turns input labels into annotations (input label values are often not
// label-safe); keys that are not valid annotation keys are dropped with a warning.
// obj names the object for the ledger ("PersistentVolumeClaim/data"); each label is accounted
// under the input path its loader recorded.
func (b *builder) kvAnnotations(svc, obj string, kvs []model.KV) map[string]string {
	var out map[string]string
	for _, kv := range kvs {
		f := kv.Field
		if errs := validation.IsQualifiedName(kv.Key); len(errs) > 0 {
			b.ledger.Dropped(svc, f, "label "+strconv.Quote(kv.Key)+" is not a valid annotation key: "+errs[0])
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[kv.Key] = kv.Value
		b.ledger.Mapped(svc, f, obj+" metadata.annotations."+kv.Key)
	}
	return out
}
