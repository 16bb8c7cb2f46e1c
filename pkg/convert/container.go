package convert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// container builds the Kubernetes container for c (the index-th container of the pod).
func (b *builder) container(pl *plan, p *pod, ci int, c *model.Container, name string) *ctr {
	k := &corev1.Container{Name: name, Image: c.Image, WorkingDir: c.WorkingDir, TTY: c.TTY, Stdin: c.Stdin}
	x := &ctr{M: c, K: k, Path: p.containerPath(ci)}
	svc := p.svc
	b.image(p, x)
	b.commandArgs(p, x)
	if c.WorkingDir != "" {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyWorkingDir), p.ctarget(x, "workingDir"))
	}
	if c.TTY {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyTTY), p.ctarget(x, "tty"))
	}
	if c.Stdin {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyStdin), p.ctarget(x, "stdin"))
	}
	k.Ports = containerPorts(pl.Ports, ci)
	for _, lp := range pl.Ports {
		if lp.Container == ci {
			for _, f := range lp.Fields {
				b.ledger.Mapped(svc.Name, f, p.ctarget(x, "ports"))
			}
		}
	}
	b.securityContext(p, x)
	b.lifecycle(p, x)
	b.resources(p, x)
	b.containerWarnings(p, x)
	return x
}

// image sets the image and its pull policy: Always for tags that move (latest, untagged,
// major-only such as postgres:16, major.minor such as mariadb:10.11), IfNotPresent for
// tags pinned to a patch release and digests.
func (b *builder) image(p *pod, x *ctr) {
	c, svc := x.M, p.svc
	set := b.setImage(p, x)
	ref := parseImage(x.K.Image)
	x.K.ImagePullPolicy = corev1.PullIfNotPresent
	if ref.Digest == "" && floatingTag(ref) {
		x.K.ImagePullPolicy = corev1.PullAlways
	}
	if set {
		return
	}
	field := c.Paths.Of(model.KeyImage)
	if c.BuildOnly {
		registry := "REGISTRY"
		if b.opts.Provider == ProviderAWS {
			registry = "<account>.dkr.ecr.<region>.amazonaws.com/" + b.app.Name // an ECR repository prefix
		}
		b.ledger.Partial(svc.Name, c.Paths.Of(model.KeyBuild), fmt.Sprintf(
			"image %q is built from source and exists only where it was built: `berth apply --build --registry %s` builds, pushes and runs it "+
				"(or berth build --push, then convert with --registry), or set image:", c.Image, registry),
			p.ctarget(x, "image"))
		return
	}
	if _, err := reference.ParseNormalizedNamed(c.Image); err != nil {
		b.ledger.Partial(svc.Name, field, fmt.Sprintf(
			"image %q is not an image reference (%v): the kubelet cannot pull it and the pods stay in InvalidImageName; "+
				"set image: to [registry/]repository[:tag] (a template placeholder left in the file, or an unset variable?)", c.Image, err),
			p.ctarget(x, "image"), p.ctarget(x, "imagePullPolicy"))
		b.ledger.Breaking(field)
		return
	}
	b.ledger.Mapped(svc.Name, field, p.ctarget(x, "image"), p.ctarget(x, "imagePullPolicy"))
}

// commandArgs maps entrypoint → command and command → args. An explicitly empty entrypoint
// (entrypoint: "") clears the image ENTRYPOINT: Kubernetes has no "no entrypoint", so the
// args become the command.
func (b *builder) commandArgs(p *pod, x *ctr) {
	c, svc := x.M, p.svc
	ci := containerIndex(svc, c)
	x.K.Command = b.refArgv(svc, ci, c.Command)
	x.K.Args = b.refArgv(svc, ci, c.Args)
	if c.Command != nil && len(c.Command) == 0 {
		switch {
		case len(c.Args) > 0:
			x.K.Command, x.K.Args = x.K.Args, nil
			b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyCommand), p.ctarget(x, "command"))
		default:
			b.ledger.Partial(svc.Name, c.Paths.Of(model.KeyCommand),
				"an empty entrypoint without a command cannot be expressed: the image ENTRYPOINT runs", p.ctarget(x, ""))
		}
	} else if len(c.Command) > 0 {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyCommand), p.ctarget(x, "command"))
	}
	if len(c.Args) > 0 {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyArgs), p.ctarget(x, "args"))
	}
}

// escapeAll copies argv with every element escaped for the kubelet's $(VAR) expansion, which
// applies to command and args (and exec probes): Compose passes them to the container as is.
func escapeAll(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = escapeExpansion(a)
	}
	return out
}

// securityContext maps user, capabilities, privileged and read_only.
func (b *builder) securityContext(p *pod, x *ctr) {
	c, svc := x.M, p.svc
	sc := &corev1.SecurityContext{}
	if c.User != "" {
		b.user(p, x, sc)
	}
	caps := &corev1.Capabilities{}
	for _, s := range c.CapAdd {
		caps.Add = append(caps.Add, capability(s))
	}
	for _, s := range c.CapDrop {
		caps.Drop = append(caps.Drop, capability(s))
	}
	if len(caps.Add) > 0 {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyCapAdd), p.ctarget(x, "securityContext.capabilities.add"))
	}
	if len(caps.Drop) > 0 {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyCapDrop), p.ctarget(x, "securityContext.capabilities.drop"))
	}
	if len(caps.Add)+len(caps.Drop) > 0 {
		sc.Capabilities = caps
	}
	if c.Privileged {
		sc.Privileged = ptr.To(true)
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyPrivileged), p.ctarget(x, "securityContext.privileged"))
	}
	if len(c.SecurityOpt) > 0 {
		b.securityOpt(p, x, sc)
	}
	if c.ReadOnly {
		sc.ReadOnlyRootFilesystem = ptr.To(true)
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyReadOnly), p.ctarget(x, "securityContext.readOnlyRootFilesystem"))
	}
	if *sc != (corev1.SecurityContext{}) {
		x.K.SecurityContext = sc
	}
}

// securityOpt maps security_opt's no-new-privileges (Docker's `no-new-privileges`,
// `:true`, `=true`) to allowPrivilegeEscalation: false, the same kernel flag; Kubernetes
// refuses that beside privileged or CAP_SYS_ADMIN, where it is left out. Other options
// (seccomp, apparmor, label) are not converted.
func (b *builder) securityOpt(p *pod, x *ctr, sc *corev1.SecurityContext) {
	c, svc := x.M, p.svc
	field := c.Paths.Of(model.KeySecurityOpt)
	var other []string
	noNewPrivs, allowed := false, false
	for _, o := range c.SecurityOpt {
		k, v, ok := strings.Cut(o, ":")
		if !ok {
			k, v, _ = strings.Cut(o, "=")
		}
		switch {
		case strings.TrimSpace(k) != "no-new-privileges":
			other = append(other, o)
		case v == "" || v == "true":
			noNewPrivs = true
		case v == "false":
			allowed = true // Kubernetes' default too
		default:
			other = append(other, o)
		}
	}
	target := p.ctarget(x, "securityContext.allowPrivilegeEscalation")
	if noNewPrivs && (c.Privileged || slices.ContainsFunc(c.CapAdd, func(s string) bool { return capability(s) == "SYS_ADMIN" || capability(s) == "ALL" })) {
		noNewPrivs = false
		other = append(other, "no-new-privileges (Kubernetes refuses it beside privileged or CAP_SYS_ADMIN)")
	}
	if noNewPrivs {
		sc.AllowPrivilegeEscalation = ptr.To(false)
	}
	switch {
	case len(other) == 0 && noNewPrivs:
		b.ledger.Mapped(svc.Name, field, target)
	case len(other) == 0 && allowed:
		b.ledger.Ignored(svc.Name, field, "no-new-privileges:false is Kubernetes' default (allowPrivilegeEscalation unset)")
	case noNewPrivs:
		b.ledger.Partial(svc.Name, field, "security_opt "+strings.Join(other, ", ")+" is not converted (edit securityContext: "+
			"seccompProfile, appArmorProfile); no-new-privileges became allowPrivilegeEscalation: false", target)
	default:
		b.ledger.Dropped(svc.Name, field, "security_opt "+strings.Join(other, ", ")+
			" is not converted: use x-berth or edit securityContext (seccompProfile, appArmorProfile)")
	}
}

// capability strips Docker's optional CAP_ prefix (Kubernetes wants NET_ADMIN).
func capability(s string) corev1.Capability {
	s = strings.ToUpper(strings.TrimSpace(s))
	return corev1.Capability(strings.TrimPrefix(s, "CAP_"))
}

// user maps "uid", "uid:gid" and "root" to runAsUser/runAsGroup; user names cannot be resolved
// without the image's /etc/passwd and are reported.
func (b *builder) user(p *pod, x *ctr, sc *corev1.SecurityContext) {
	c, svc := x.M, p.svc
	field := c.Paths.Of(model.KeyUser)
	u, g, hasGroup := strings.Cut(c.User, ":")
	uid, uerr := numericID(u)
	gid, gerr := numericID(g)
	if uerr != nil || (hasGroup && gerr != nil) {
		hint := `e.g. user: "1000:1000"`
		if u == "nobody" && (!hasGroup || g == "nobody" || g == "nogroup") {
			// Debian, Alpine and distroless agree on nobody = 65534 (nogroup/nobody 65534).
			hint = `most images have nobody = 65534: runAsUser 65534, runAsGroup 65534`
		}
		b.ledger.Dropped(svc.Name, field, fmt.Sprintf(
			"user %q is a name: Kubernetes needs a numeric uid (and gid), %s (look it up with `id` in the image)", c.User, hint))
		return
	}
	sc.RunAsUser = ptr.To(uid)
	targets := []string{p.ctarget(x, "securityContext.runAsUser")}
	if hasGroup {
		sc.RunAsGroup = ptr.To(gid)
		targets = append(targets, p.ctarget(x, "securityContext.runAsGroup"))
	}
	b.ledger.Mapped(svc.Name, field, targets...)
}

// numericID parses a uid/gid; "root" is 0 everywhere.
func numericID(s string) (int64, error) {
	if s == "root" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n < 0 {
		return 0, fmt.Errorf("negative id %d", n)
	}
	return n, err
}

// resources maps CPU, memory and GPUs to requests and limits in canonical quantities. (The ECS
// loader has already merged the task size into the containers.)
func (b *builder) resources(p *pod, x *ctr) {
	r := x.M.Resources
	req, lim := corev1.ResourceList{}, corev1.ResourceList{}
	set := func(l corev1.ResourceList, name corev1.ResourceName, q *resource.Quantity) {
		if !q.IsZero() {
			l[name] = *q
		}
	}
	set(req, corev1.ResourceCPU, resource.NewMilliQuantity(r.CPURequest, resource.DecimalSI))
	set(lim, corev1.ResourceCPU, resource.NewMilliQuantity(r.CPULimit, resource.DecimalSI))
	set(req, corev1.ResourceMemory, memory(r.MemRequest))
	set(lim, corev1.ResourceMemory, memory(r.MemLimit))
	if r.GPUs > 0 {
		lim["nvidia.com/gpu"] = *resource.NewQuantity(r.GPUs, resource.DecimalSI)
	}
	if len(req) > 0 {
		x.K.Resources.Requests = req
	}
	if len(lim) > 0 {
		x.K.Resources.Limits = lim
	}
	if len(req)+len(lim) == 0 {
		return
	}
	if r.Field != "" {
		b.ledger.Mapped(p.svc.Name, r.Field, p.ctarget(x, "resources"))
	}
	// Several fields may contribute (Compose deploy.resources and the legacy mem_limit, cpus,
	// ...); Field names only one.
	for _, f := range x.M.Paths.All(model.KeyResources) {
		b.ledger.Mapped(p.svc.Name, f, p.ctarget(x, "resources"))
	}
}

// memory is a byte count as a quantity in binary units when exact (256Mi), else decimal
// (300M), never a raw byte count for values of a kilobyte or more.
func memory(n int64) *resource.Quantity {
	if n%1024 == 0 {
		return resource.NewQuantity(n, resource.BinarySI)
	}
	return resource.NewQuantity(n, resource.DecimalSI)
}

// containerWarnings reports container fields Kubernetes cannot express.
func (b *builder) containerWarnings(p *pod, x *ctr) {
	c, svc := x.M, p.svc
	if c.Init {
		b.ledger.Dropped(svc.Name, c.Paths.Of(model.KeyInit),
			"Kubernetes has no init-process option (tini): the entrypoint runs as PID 1, so it must reap zombies and handle SIGTERM; use an image whose ENTRYPOINT is tini or dumb-init, or set shareProcessNamespace: true (the pause container reaps, but containers then see each other's processes)")
	}
	for _, u := range c.Ulimits {
		b.ledger.Dropped(svc.Name, u.Field, fmt.Sprintf(
			"ulimit %s=%d:%d: Kubernetes has no per-container ulimits; pods get the container runtime's defaults (configure the node's runtime, or raise it in the entrypoint with `ulimit`)", u.Name, u.Soft, u.Hard))
	}
}
