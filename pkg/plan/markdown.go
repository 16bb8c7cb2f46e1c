package plan

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/data"
	"github.com/berth-dev/berth/pkg/model"
)

// Markdown renders the switch-over runbook of converting app into res. The order is the
// rule (docs/runbook.md): nothing in the cluster runs against data that is not there yet,
// and every step says how to go back.
func Markdown(app *model.App, res *convert.Result, opts Options) []byte {
	f := gather(app, res, opts)
	w := &writer{f: f}
	fmt.Fprintf(&w.b, "# Switch-over runbook: %s\n\n", app.Name)
	fmt.Fprintf(&w.b, "From %s (%s) to namespace `%s`. Run the steps in order; `<...>` marks what only you know. "+
		"Each step ends with how to undo it.\n", app.Source, strings.Join(code(app.Files), ", "), f.namespace)
	w.dnsTTL()
	w.namespaceAndSecrets()
	w.provisions()
	w.images()
	w.volumes()
	w.freezeAndDump()
	w.applyData()
	w.restore()
	w.applyApp()
	w.ready()
	w.switchDNS()
	w.resume()
	w.rollback()
	out := w.b.Bytes()
	for bytes.Contains(out, []byte("\n\n\n")) {
		out = bytes.ReplaceAll(out, []byte("\n\n\n"), []byte("\n\n"))
	}
	return append(bytes.TrimRight(out, "\n"), '\n')
}

// Commands returns the lines of the sh blocks of a runbook Markdown wrote, in order: the
// commands a user runs, for a script or a test that follows the runbook.
func Commands(md string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case l == "```sh":
			in = true
		case l == "```":
			in = false
		case in:
			out = append(out, l)
		}
	}
	return out
}

type writer struct {
	b bytes.Buffer
	f *facts
	n int
}

func (w *writer) step(title string) {
	w.n++
	fmt.Fprintf(&w.b, "\n## %d. %s\n\n", w.n, title)
}

func (w *writer) para(format string, a ...any) { fmt.Fprintf(&w.b, format+"\n\n", a...) }

func (w *writer) undo(format string, a ...any) { w.para("Undo: "+format, a...) }

func (w *writer) shell(lines ...string) {
	w.b.WriteString("```sh\n")
	for _, l := range lines {
		w.b.WriteString(l + "\n")
	}
	w.b.WriteString("```\n\n")
}

func (w *writer) berth(cmd string) string {
	if w.f.args == "" {
		return "berth " + cmd
	}
	return "berth " + cmd + " " + w.f.args
}

func (w *writer) compose() bool { return w.f.app.Source == model.Compose }

// publicHosts are the hosts whose DNS the switch moves.
func (w *writer) publicHosts() []host {
	var out []host
	for _, h := range w.f.hosts {
		if public(h.name) {
			out = append(out, h)
		}
	}
	return out
}

func (w *writer) dnsTTL() {
	w.step("A day before: lower the DNS TTLs")
	hosts := w.publicHosts()
	if len(hosts) == 0 {
		w.para("The app has no public DNS name (no Ingress host or LoadBalancer under a public domain): there is no DNS to switch.")
		w.localHosts()
		return
	}
	w.para("Lower the TTL of every public name to 60 seconds, at least one old TTL before the switch, so the DNS switch takes effect quickly:")
	for _, h := range hosts {
		if h.name == "" {
			fmt.Fprintf(&w.b, "- `<the name clients use for %s>`: served by `%s` (a LoadBalancer: its address is known after applying)\n", h.svc, h.object)
			continue
		}
		fmt.Fprintf(&w.b, "- `%s`: served by `%s` (service `%s`)\n", h.name, h.object, h.svc)
	}
	w.b.WriteString("\n")
	w.localHosts()
	w.undo("raise the TTLs again whenever you like.")
}

func (w *writer) localHosts() {
	var local []string
	for _, h := range w.f.hosts {
		if !public(h.name) {
			local = append(local, h.name)
		}
	}
	if len(local) > 0 {
		w.para("%s: not public names (local or reserved suffixes): no DNS step; clients reach them as before, by their resolver or /etc/hosts.",
			strings.Join(code(local), ", "))
	}
}

func (w *writer) namespaceAndSecrets() {
	ns := w.f.namespace
	w.step("Create the namespace and the secrets")
	w.shell("kubectl create namespace " + ns + "   # berth apply would create it too; secrets need it first")
	if len(w.f.secrets) == 0 {
		w.para("The app has no Secrets.")
	} else {
		w.para("`berth apply` writes these objects; check that each holds what the new environment needs (values are not shown here):")
		for _, s := range w.f.secrets {
			switch {
			case w.provisioned(s.object):
				fmt.Fprintf(&w.b, "- `%s`: the variables of a provider service, filled in the next step\n", s.object)
			case strings.HasPrefix(s.object, "ExternalSecret/"):
				fmt.Fprintf(&w.b, "- `%s`: make sure its secret store is ready and holds the remote keys it names (`kubectl -n %s get %s`)\n",
					s.object, ns, strings.ToLower(s.object))
			case len(s.empty) > 0:
				fmt.Fprintf(&w.b, "- `%s`: **placeholder, fill in** %s before applying (e.g. `kubectl -n %s create secret generic %s --from-literal=%s=<value>`)\n",
					s.object, strings.Join(code(s.empty), ", "), ns, strings.TrimPrefix(s.object, "Secret/"), s.empty[0])
			default:
				fmt.Fprintf(&w.b, "- `%s`: keys %s, from the input\n", s.object, strings.Join(code(s.keys), ", "))
			}
		}
		w.b.WriteString("\n")
	}
	w.undo("`kubectl delete namespace %s` (only if nothing else lives there).", ns)
}

// provisioned says whether object is the Secret of a provider service.
func (w *writer) provisioned(object string) bool {
	for _, p := range w.f.res.Provisions {
		if "Secret/"+p.Secret == object {
			return true
		}
	}
	return false
}

// provisions has one step per provider service (Compose provider:): docker compose ran a
// plugin that provisioned the resource and handed its variables to the dependants; on the
// cluster the user provisions it and fills its Secret.
func (w *writer) provisions() {
	for _, p := range w.f.res.Provisions {
		w.step(fmt.Sprintf("Provision %s for %s", p.Type, p.Service))
		users := "no service depends on it"
		if len(p.Users) > 0 {
			users = fmt.Sprintf("%s read each one as `%sKEY`", strings.Join(code(p.Users), ", "), p.Prefix)
		}
		w.para("Under Compose the `%s` provider plugin created `%s` and gave its variables to the services that depend on it. "+
			"Create the resource for the cluster (the provider's options are in the Compose file), then put each variable the provider gives "+
			"(`KEY=value`, without the `%s` prefix) in Secret `%s`; %s:", p.Type, p.Service, p.Prefix, p.Secret, users)
		w.shell(fmt.Sprintf("kubectl -n %s create secret generic %s --from-literal=URL=<value> --dry-run=client -o yaml | kubectl apply -f -",
			w.f.namespace, p.Secret))
		if p.Host != "" {
			w.para("Service `%s` (ExternalName) points at `%s`, the address the options name: change it if the cluster reaches the resource elsewhere.", p.ServiceName, p.Host)
		}
		w.undo("delete what you provisioned when nothing uses it any more (the Compose side's resource is the provider's own).")
	}
}

// images lists the images built from source (or set by --image): built from where, pulled
// from where, and how to build and push those that have no registry yet.
func (w *writer) images() {
	imgs := w.f.res.Images
	if len(imgs) == 0 {
		return
	}
	w.step("Images")
	w.b.WriteString("| Service | Built from | Image the pods run |\n|---|---|---|\n")
	unpushed := false
	for _, im := range imgs {
		from := "—"
		if im.Context != "" {
			from = "`" + relTo(w.f.app.Dir, im.Context) + "`"
			if im.Dockerfile != "" && im.Dockerfile != "Dockerfile" {
				from += " (`" + relTo(w.f.app.Dir, im.Dockerfile) + "`)"
			}
			if im.Target != "" {
				from += " target `" + im.Target + "`"
			}
		}
		ref := "`" + im.Ref + "`"
		switch {
		case im.Ref == "":
			ref, unpushed = "**none yet**: built only on the developer's machine", true
		case im.By == "image":
			ref += " (--image)"
		}
		fmt.Fprintf(&w.b, "| `%s` | %s | %s |\n", im.Service, from, ref)
	}
	w.b.WriteString("\n")
	if unpushed {
		w.para("Build and push them to a registry the cluster can pull from, and run them pinned by digest, in the apply step below: `berth apply --build --registry <registry>` (or build in CI with `berth build --registry <registry> --push` and convert with `--registry <registry> --tag <tag>`).")
	} else {
		w.para("Build and push them before applying (`berth build --registry <registry> --tag <tag> --push`), or apply with `--build`: it builds, pushes and runs each image pinned by digest.")
	}
	w.undo("nothing to undo: the old side does not use the pushed images.")
}

func (w *writer) volumes() {
	w.step("Volumes")
	var external []string
	for _, v := range w.f.data.Volumes {
		if v.External {
			external = append(external, v.Claim)
		}
	}
	if len(w.f.volumes) == 0 && len(external) == 0 {
		w.para("No PersistentVolumeClaims: the app keeps no data in volumes.")
		return
	}
	if len(w.f.volumes) > 0 {
		w.para("`berth apply` creates these PersistentVolumeClaims (a StatefulSet's claims when its pod first starts, or `berth data push` before); check the storage class has room for them:")
		w.b.WriteString("| Claim | Service | Size | Storage class |\n|---|---|---|---|\n")
		for _, v := range w.f.volumes {
			fmt.Fprintf(&w.b, "| `%s` | `%s` | %s | %s |\n", v.claim, v.service, v.size, v.class)
		}
		w.b.WriteString("\n")
	}
	for _, v := range w.f.data.Volumes {
		if !v.External {
			continue
		}
		w.para("`%s` is external: berth mounts the claim `%s` but does not create it, and pods that mount it stay Pending until it exists. Create it (or bind an existing volume to it):", v.Name, v.Claim)
		w.shell(fmt.Sprintf("kubectl -n %s apply -f - <<'EOF'", w.f.namespace),
			"apiVersion: v1", "kind: PersistentVolumeClaim",
			"metadata:", "  name: "+v.Claim,
			"spec:", "  accessModes: [ReadWriteOnce]", "  resources:", "    requests:", "      storage: <size>",
			"EOF")
	}
	w.undo("claims are deleted only by `%s` with `--volumes`, and only when their data is no longer needed.", w.berth("down"))
}

func (w *writer) oldExec(svc string, env ...string) string {
	if !w.compose() {
		return "<exec into the old " + svc + " task> "
	}
	e := ""
	for _, v := range env {
		e += "-e " + v + " "
	}
	return w.composeCmd() + " exec -T " + e + svc + " "
}

// OneOffTask is the placeholder an ECS runbook puts before a command that runs in a one-off
// task of a copy of svc's old task definition whose container runs data.HelperImage, with the
// same volumes at the same paths.
func OneOffTask(svc string) string {
	return "<in a one-off task of the old " + svc + " task definition, image " + data.HelperImage + "> "
}

func (w *writer) composeCmd() string {
	return "docker compose -p " + data.Quote(w.f.app.Name) + " " + defaultArgs(w.f.app)
}

// stores are the data-store services; apps the others (the app tier).
func (w *writer) tiers() (stores, apps []string) {
	for _, s := range w.f.app.Services {
		if s.Model != nil {
			continue // a model server is Model Runner's on the old side, not a container to stop
		}
		if w.f.data.Store(s.Name) != nil {
			stores = append(stores, s.Name)
		} else {
			apps = append(apps, s.Name)
		}
	}
	return stores, apps
}

// fileVolumes are the persistent volumes no store's dump covers: copied as files.
func (w *writer) fileVolumes() []int {
	var out []int
	for i, v := range w.f.data.Volumes {
		if v.Store == "" && len(v.Mounts) > 0 {
			out = append(out, i)
		}
	}
	return out
}

func (w *writer) freezeAndDump() {
	w.step("Switch-over window: stop every writer, then dump the data")
	files := w.fileVolumes()
	if len(w.f.data.Stores) == 0 && len(files) == 0 {
		w.para("No service keeps data in a volume: nothing to move.")
		return
	}
	stores, apps := w.tiers()
	w.para("Turn the maintenance page on. Dumps are consistent only when nothing writes: first stop the app tier, dump each data store once with its own tool while it runs, then stop the stores and copy each remaining volume once, from the stopped volume.")
	if w.compose() {
		w.para("Run the `docker compose` commands in the project directory.")
	} else {
		w.para("The commands below run in the old task's container (ECS Exec: `aws ecs execute-command --interactive --command ...`); a service stops when it is scaled to 0 (note each one's desired count first, to scale it back).")
	}
	if len(apps) > 0 {
		w.stop(apps)
	}
	for _, s := range w.f.data.Stores {
		fmt.Fprintf(&w.b, "### `%s` (%s)\n\n", s.Service, s.Engine.Title())
		pre, cmd := data.DumpCommand(w.oldExec, s)
		w.shell(append(pre, cmd+" > "+s.Service+s.Engine.DumpExt())...)
		if s.AppendOnly {
			w.para("`%s` is append-only (`--appendonly yes`): the RDB is taken over the replication protocol, so it holds the whole data set whatever the AOF holds.", s.Service)
		}
	}
	if len(stores) > 0 {
		w.stop(stores)
	}
	if mem := w.memoryStores(); len(mem) > 0 {
		w.para("%s: data stores without a volume: what they hold in memory is not moved (they start empty on the cluster).", strings.Join(code(mem), ", "))
	}
	if len(files) > 0 && !w.compose() {
		w.para("A stopped task cannot be exec'd into: copy each volume in a one-off task, from a copy of the old task definition whose container runs `%s` (`sleep 3600`) with the same volumes and mount points (`aws ecs register-task-definition`, then `aws ecs run-task`), and remove it after the copy.", data.HelperImage)
	}
	for _, i := range files {
		v := w.f.data.Volumes[i]
		fmt.Fprintf(&w.b, "### volume `%s` (files; mounted by %s)\n\n", v.Name, strings.Join(code(v.Services()), ", "))
		w.shell(w.copyOut(v))
	}
	w.undo("%s starts the old app again; the dumps only read its data.", w.startOld())
}

// memoryStores are services running a known data store image that mount no persistent volume.
func (w *writer) memoryStores() []string {
	var out []string
	for _, s := range w.f.app.Services {
		if len(s.Containers) > 0 && data.EngineOf(s.Main().Image) != data.Files && w.f.data.Store(s.Name) == nil {
			out = append(out, s.Name)
		}
	}
	return out
}

func (w *writer) stop(svcs []string) {
	if w.compose() {
		w.shell(w.composeCmd() + " stop " + strings.Join(svcs, " "))
		return
	}
	var lines []string
	for _, s := range svcs {
		lines = append(lines, ECSStop(s))
	}
	w.shell(lines...)
}

// ECSStop is the line of an ECS runbook that scales the old ECS service running svc's task
// definition to 0 (the cluster and service names are not in a task definition).
func ECSStop(svc string) string {
	return "aws ecs update-service --cluster <cluster> --service <the old " + svc + " service> --desired-count 0"
}

// startOld is how the old app starts again, as Markdown.
func (w *writer) startOld() string {
	if w.compose() {
		return "`" + w.composeCmd() + " start`"
	}
	return "scale the old ECS services back up"
}

// copyOut reads a stopped volume into <name>.tar: on Compose through a throwaway container
// mounting the volume read-only, on ECS in a one-off task of a copy of the old task
// definition with a helper image (the app's own task is stopped, and its image may have no
// tar).
func (w *writer) copyOut(v data.Volume) string {
	if w.compose() && v.EngineName != "" {
		return fmt.Sprintf("docker run --rm -v %s:/from:ro %s tar -C /from -cf - . > %s.tar", data.Quote(v.EngineName), data.HelperImage, v.Name)
	}
	m := v.Mounts[0]
	if w.compose() {
		return fmt.Sprintf("%s run --rm --no-deps -T --entrypoint tar %s -C %s -cf - . > %s.tar", w.composeCmd(), m.Service, data.Quote(m.Target), v.Name)
	}
	return fmt.Sprintf("%star -C %s -cf - . > %s.tar", OneOffTask(m.Service), data.Quote(m.Target), v.Name)
}

func (w *writer) applyData() {
	if len(w.f.data.Stores) == 0 && len(w.fileVolumes()) == 0 {
		return
	}
	stores, _ := w.tiers()
	w.step("Apply the data tier only")
	if len(stores) > 0 {
		w.para("`--only` applies every object but runs only the workloads of the named services (%s): the app tier (its Deployments, Jobs such as migrations, and CronJobs) is not started against empty stores.",
			strings.Join(code(stores), ", "))
		w.shell(w.berth("apply --only " + strings.Join(stores, ",") + w.suspendFlag()))
	} else {
		w.para("`--only none` applies every object but runs no workload: the app (its Deployments, Jobs such as migrations, and CronJobs) is not started against empty volumes.")
		w.shell(w.berth("apply --only none" + w.suspendFlag()))
	}
	w.undo("`%s` (claims are kept); the old side is untouched.", w.berth("down"))
}

func (w *writer) suspendFlag() string {
	if len(w.f.cronJobs) > 0 {
		return " --suspend-cronjobs"
	}
	return ""
}

func (w *writer) restore() {
	files := w.fileVolumes()
	if len(w.f.data.Stores) == 0 && len(files) == 0 {
		return
	}
	w.step("Restore the data")
	w.para("`berth data` streams each dump into its store with the store's own tool, with the credentials of the store's Secret (never printed), and copies each volume into its claim through a helper pod, checking every file's checksum on both sides.")
	var lines []string
	for _, s := range w.f.data.Stores {
		lines = append(lines, w.berth(fmt.Sprintf("data restore %s --dump %s%s", s.Service, s.Service, s.Engine.DumpExt())))
	}
	for _, i := range files {
		v := w.f.data.Volumes[i]
		scale := ""
		if w.storeMounts(v) {
			scale = " --scale-down" // a running store mounts it: stopped for the copy, started after
		}
		lines = append(lines, w.berth(fmt.Sprintf("data push %s --from %s.tar%s", v.Name, v.Name, scale)))
	}
	w.shell(lines...)
	w.undo("run the same commands again with a fresh dump (a restore replaces the store's data; `data push --force` replaces a claim's files).")
}

func (w *writer) storeMounts(v data.Volume) bool {
	for _, m := range v.Mounts {
		if w.f.data.Store(m.Service) != nil {
			return true
		}
	}
	return false
}

func (w *writer) applyApp() {
	moved := len(w.f.data.Stores) > 0 || len(w.fileVolumes()) > 0
	switch {
	case moved:
		w.step("Start the app tier")
	case len(w.f.cronJobs) > 0:
		w.step("Apply, with scheduled jobs suspended")
	default:
		w.step("Apply")
	}
	if len(w.f.cronJobs) > 0 {
		w.para("`--suspend-cronjobs` applies the CronJobs (%s) with `spec.suspend: true`, so none runs against half-moved data:",
			strings.Join(code(w.f.cronJobs), ", "))
	}
	w.shell(w.berth("apply" + w.suspendFlag()))
	w.undo("`%s`, then %s: DNS still points at the old side, so nothing was written here that clients expect to keep.", w.berth("down"), w.startOld())
}

func (w *writer) ready() {
	w.step("Check readiness")
	w.shell(w.berth("status"))
	if len(w.f.workloads) > 0 {
		w.para("Every workload must be ready: %s.", strings.Join(code(w.f.workloads), ", "))
	}
	for _, h := range w.f.hosts {
		if h.name == "" {
			continue
		}
		if h.tls {
			w.para("Test the new entry point before DNS points at it: `curl --resolve %s:443:<ingress address> https://%s/`.", h.name, h.name)
		} else {
			w.para("Test the new entry point before DNS points at it: `curl --resolve %s:80:<ingress address> http://%s/` (no TLS is configured for it).", h.name, h.name)
		}
	}
}

func (w *writer) switchDNS() {
	w.step("Switch DNS")
	hosts := w.publicHosts()
	if len(hosts) == 0 {
		w.para("Nothing to switch: point the clients of the app at the new Services.")
		return
	}
	for _, h := range hosts {
		name := "`" + h.name + "`"
		if h.name == "" {
			name = "`<the name clients use for " + h.svc + ">`"
		}
		fmt.Fprintf(&w.b, "- %s → the address of `%s` (`kubectl -n %s get %s`)\n", name, h.object, w.f.namespace, strings.ToLower(h.object))
	}
	w.b.WriteString("\nWatch errors and traffic for one old TTL; keep the old app stopped but intact.\n\n")
	w.undo("point DNS back at the old addresses (the TTL is still low) and start the old app; data written here since the switch must be dumped from the cluster first if it is to be kept.")
}

func (w *writer) resume() {
	w.step("Resume scheduled jobs")
	if len(w.f.cronJobs) == 0 {
		w.para("The app has no CronJobs.")
		return
	}
	w.para("Apply again without `--suspend-cronjobs`: berth stops setting `spec.suspend`, so the CronJobs run on schedule again. A CronJob someone suspended by hand (`kubectl patch`) stays suspended.")
	w.shell(w.berth("apply"), fmt.Sprintf("kubectl -n %s get cronjobs   # SUSPEND: False", w.f.namespace))
	w.undo("`%s` suspends them again.", w.berth("apply --suspend-cronjobs"))
}

func (w *writer) rollback() {
	w.step("Rollback")
	w.para("Until the old app is removed, going back is:")
	fmt.Fprintf(&w.b, "1. Point DNS back at the old addresses (the TTL is still low).\n")
	fmt.Fprintf(&w.b, "2. Start the old app again (%s). Data written in the cluster since the switch must be dumped from it (as in the dump step, the other way round) if it is to be kept.\n", w.startOld())
	fmt.Fprintf(&w.b, "3. `%s` removes the app from the cluster and keeps its PersistentVolumeClaims (add `--volumes` only when the data is no longer needed).\n", w.berth("down"))
}

// relTo names p as the runbook's reader types it: relative to the project directory, where the
// runbook's commands run ("../vote" for a context beside it, as Compose files write it), and
// absolute only when no relative path exists (another volume on Windows).
func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

func code(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return out
}
