package ecs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// mapVolumes turns the task's volumes into model volumes:
//   - name only, host without sourcePath, dockerVolumeConfiguration scope task → Scratch (the
//     pod's lifetime, like the task's);
//   - host.sourcePath → HostPath (convert warns);
//   - dockerVolumeConfiguration scope shared → a Shared claim;
//   - efsVolumeConfiguration → EFS;
//   - fsxWindowsFileServerVolumeConfiguration → a ReadWriteMany claim, with a warning.
func (l *taskLoader) mapVolumes() error {
	seen, models := map[string]bool{}, map[string]string{}
	for i, v := range l.td.Volumes {
		p := fmt.Sprintf("%s[%d]", l.path(l.base, "volumes"), i)
		name := deref(v.Name)
		if name == "" {
			return l.errAt(p, "volume name is required")
		}
		if seen[name] {
			return l.errAt(l.path(p, "name"), "volume %q is defined twice", name)
		}
		seen[name] = true
		mv := model.Volume{Name: l.volumeName(name), Field: p, Pos: l.pos(p)}
		if other, taken := models[mv.Name]; taken {
			return l.errAt(l.path(p, "name"), "volumes %q and %q both become %q in Kubernetes; rename one", other, name, mv.Name)
		}
		models[mv.Name] = name
		if err := l.volumeKind(&mv, v, p); err != nil {
			return err
		}
		l.volumes = append(l.volumes, mv)
	}
	sort.SliceStable(l.volumes, func(i, j int) bool { return l.volumes[i].Name < l.volumes[j].Name })
	byModel := make(map[string]*model.Volume, len(l.volumes))
	for i := range l.volumes {
		byModel[l.volumes[i].Name] = &l.volumes[i]
	}
	for _, v := range l.td.Volumes {
		l.vols[deref(v.Name)] = byModel[l.volumeName(deref(v.Name))]
	}
	return nil
}

// volumeName is the model name of a task volume: unique within the app because it is prefixed
// with the service name.
func (l *taskLoader) volumeName(name string) string {
	s := sanitize(name)
	if s == "" {
		s = "vol"
	}
	return l.t.name + "-" + s
}

func (l *taskLoader) volumeKind(mv *model.Volume, v volume, p string) error {
	kinds := 0
	if v.Host != nil {
		kinds++
		mv.HostPath = deref(v.Host.SourcePath)
		mv.Scratch = mv.HostPath == ""
		if mv.HostPath != "" {
			// An ECS host volume is an explicit request for the instance's path (log
			// collectors, device files): allow it as a hostPath; convert warns about it.
			l.svc.Options.HostPaths = appendNew(l.svc.Options.HostPaths, mv.HostPath)
		}
	}
	if dv := v.DockerVolumeConfiguration; dv != nil {
		kinds++
		mv.Driver = deref(dv.Driver)
		if mv.Driver != "" {
			mv.Paths.Add(model.KeyDriver, l.path(p, "dockerVolumeConfiguration", "driver"))
		}
		switch scope := deref(dv.Scope); scope {
		case "", "task":
			mv.Scratch = true
			mv.Memory = dv.DriverOpts["type"] == "tmpfs" && (mv.Driver == "" || mv.Driver == "local")
		case "shared":
			mv.Shared = true
		default:
			return l.errAt(l.path(p, "dockerVolumeConfiguration", "scope"), "scope %q: want task or shared", scope)
		}
		for k, val := range dv.Labels {
			mv.Labels = append(mv.Labels, model.KV{Key: k, Value: val, Field: l.path(p, "dockerVolumeConfiguration", "labels")})
		}
		sort.Slice(mv.Labels, func(i, j int) bool { return mv.Labels[i].Key < mv.Labels[j].Key })
	}
	if ev := v.EFSVolumeConfiguration; ev != nil {
		kinds++
		efs, err := l.efs(ev, l.path(p, "efsVolumeConfiguration"))
		if err != nil {
			return err
		}
		mv.EFS, mv.Shared, mv.AccessMode = efs, true, "ReadWriteMany"
	}
	if fv := v.FSxWindowsFileServerVolumeConfiguration; fv != nil {
		kinds++
		mv.Shared, mv.AccessMode, mv.Driver = true, "ReadWriteMany", "fsxWindowsFileServer"
		mv.Paths.Add(model.KeyDriver, l.path(p, "fsxWindowsFileServerVolumeConfiguration"))
		l.warnAt(l.path(p, "fsxWindowsFileServerVolumeConfiguration"), "FSx for Windows File Server has no berth mapping: a ReadWriteMany claim is emitted; bind it with the SMB CSI driver")
	}
	if kinds > 1 {
		return l.errAt(p, "volume %q sets more than one of host, dockerVolumeConfiguration, efsVolumeConfiguration and fsxWindowsFileServerVolumeConfiguration", deref(v.Name))
	}
	if kinds == 0 {
		mv.Scratch = true
	}
	if deref(v.ConfiguredAtLaunch) {
		l.warnAt(l.path(p, "configuredAtLaunch"), "the volume is configured when the service launches; berth only sees what the task definition says")
	}
	return nil
}

func (l *taskLoader) efs(ev *efsVolume, p string) (*model.EFS, error) {
	id := deref(ev.FileSystemID)
	if id == "" {
		return nil, l.errAt(p, "fileSystemId is required")
	}
	e := &model.EFS{FileSystemID: id, RootDirectory: deref(ev.RootDirectory), Field: p}
	switch te := deref(ev.TransitEncryption); te {
	case "", "DISABLED":
	case "ENABLED":
		e.TransitEncryption = true
	default:
		return nil, l.errAt(l.path(p, "transitEncryption"), "transitEncryption %q: want ENABLED or DISABLED", te)
	}
	if a := ev.AuthorizationConfig; a != nil {
		e.AccessPointID = deref(a.AccessPointID)
		switch iam := deref(a.IAM); iam {
		case "", "DISABLED":
		case "ENABLED":
			e.IAM = true
		default:
			return nil, l.errAt(l.path(p, "authorizationConfig", "iam"), "iam %q: want ENABLED or DISABLED", iam)
		}
	}
	if !l.cfn || !strings.Contains(id, "${") {
		if !efsIDRE().MatchString(id) {
			l.warnAt(l.path(p, "fileSystemId"), "fileSystemId %q is not an EFS file system id (fs-...): a placeholder? the PersistentVolume needs the real id", id)
		}
	}
	if ap := e.AccessPointID; ap != "" && !(l.cfn && strings.Contains(ap, "${")) && !efsAPRE().MatchString(ap) {
		l.warnAt(l.path(p, "authorizationConfig", "accessPointId"), "accessPointId %q is not an EFS access point id (fsap-...): a placeholder? the PersistentVolume needs the real id", ap)
	}
	if (e.IAM || e.AccessPointID != "") && !e.TransitEncryption {
		return nil, l.errAt(l.path(p, "transitEncryption"), "an access point or IAM authorization needs transitEncryption ENABLED (ECS rejects this)")
	}
	if e.AccessPointID != "" && e.RootDirectory != "" && e.RootDirectory != "/" {
		return nil, l.errAt(l.path(p, "rootDirectory"), "with an access point the root directory must be omitted or \"/\" (ECS rejects this)")
	}
	return e, nil
}

// mounts maps mountPoints and linuxParameters.tmpfs of one container.
func (l *taskLoader) mounts(c *containerDef, cp string) ([]model.Mount, error) {
	var out []model.Mount
	for i, mp := range c.MountPoints {
		p := fmt.Sprintf("%s[%d]", l.path(cp, "mountPoints"), i)
		src, target := deref(mp.SourceVolume), deref(mp.ContainerPath)
		v, ok := l.vols[src]
		switch {
		case src == "":
			return nil, l.errAt(p, "sourceVolume is required")
		case !ok:
			return nil, l.errAt(l.path(p, "sourceVolume"), "no task volume is named %q%s", src, l.volumeHint())
		case target == "":
			return nil, l.errAt(p, "containerPath is required")
		}
		out = append(out, model.Mount{Type: model.MountVolume, Source: v.Name, Target: target, ReadOnly: deref(mp.ReadOnly), Field: p})
	}
	if lp := c.LinuxParameters; lp != nil {
		for i, t := range lp.Tmpfs {
			p := fmt.Sprintf("%s[%d]", l.path(cp, "linuxParameters", "tmpfs"), i)
			if deref(t.ContainerPath) == "" {
				return nil, l.errAt(p, "containerPath is required")
			}
			if deref(t.Size) <= 0 {
				return nil, l.errAt(l.path(p, "size"), "size (MiB) is required and must be positive")
			}
			ro := false
			for _, o := range t.MountOptions {
				ro = ro || o == "ro"
			}
			m := model.Mount{Type: model.MountTmpfs, Target: *t.ContainerPath, SizeLimit: mib(*t.Size), ReadOnly: ro, Options: t.MountOptions, Field: p}
			if len(t.MountOptions) > 0 {
				m.Paths.Add(model.KeyOptions, l.path(p, "mountOptions"))
			}
			out = append(out, m)
		}
	}
	return out, nil
}

func (l *taskLoader) volumeHint() string {
	var names []string
	for _, v := range l.td.Volumes {
		names = append(names, deref(v.Name))
	}
	if len(names) == 0 {
		return " (the task defines no volumes)"
	}
	sort.Strings(names)
	return " (volumes: " + strings.Join(names, ", ") + ")"
}

// volumesFrom records each volumesFrom entry as a MountFrom mount (convert mounts the source
// container's volumes at the same paths, read-only when asked). The source must be another
// container of the task.
func (l *taskLoader) volumesFrom(defs []containerDef, paths []string) error {
	for i := range defs {
		c := &l.svc.Containers[l.order[i]]
		for j, vf := range defs[i].VolumesFrom {
			p := fmt.Sprintf("%s[%d]", l.path(paths[i], "volumesFrom"), j)
			src := deref(vf.SourceContainer)
			if src == "" {
				return l.errAt(p, "sourceContainer is required")
			}
			if _, err := l.other(defs, i, src, l.path(p, "sourceContainer"), "take volumes from"); err != nil {
				return err
			}
			c.Mounts = append(c.Mounts, model.Mount{Type: model.MountFrom, FromContainer: l.names[src], ReadOnly: deref(vf.ReadOnly), Field: p})
		}
	}
	return nil
}

// other returns the index of container name, which container i refers to at field: an error
// when no container has that name, or when it is i itself (a container cannot <verb> itself).
func (l *taskLoader) other(defs []containerDef, i int, name, field, verb string) (int, error) {
	switch k := l.index(defs, name); {
	case k < 0:
		return k, l.errAt(field, "no container is named %q", name)
	case k == i:
		return k, l.errAt(field, "a container cannot %s itself", verb)
	default:
		return k, nil
	}
}

func (l *taskLoader) index(defs []containerDef, name string) int {
	for i, d := range defs {
		if deref(d.Name) == name {
			return i
		}
	}
	return -1
}

var (
	efsIDRE = lazyRegexp(`^fs-[0-9a-f]{8,40}$`)
	efsAPRE = lazyRegexp(`^fsap-[0-9a-f]{8,40}$`)
)
