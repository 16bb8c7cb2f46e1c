package plan

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
)

// Markdown renders the switch-over runbook of converting app into res.
func Markdown(app *model.App, res *convert.Result, opts Options) []byte {
	f := gather(app, res, opts)
	w := &writer{f: f}
	fmt.Fprintf(&w.b, "# Switch-over runbook: %s\n\n", app.Name)
	fmt.Fprintf(&w.b, "From %s (%s) to namespace `%s`. Run the steps in order; `<...>` marks what only you know.\n",
		app.Source, strings.Join(code(app.Files), ", "), f.namespace)
	w.dnsTTL()
	w.namespaceAndSecrets()
	w.images()
	w.volumes()
	w.freezeAndDump()
	w.apply()
	w.restore()
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

func (w *writer) dnsTTL() {
	w.step("A day before: lower the DNS TTLs")
	if len(w.f.hosts) == 0 {
		w.para("The app has no public entry point (no Ingress, no LoadBalancer Service): there is no DNS to switch.")
		return
	}
	w.para("Lower the TTL of every public name to 60 seconds, at least one old TTL before the switch, so the DNS switch takes effect quickly:")
	for _, h := range w.f.hosts {
		if h.name == "" {
			fmt.Fprintf(&w.b, "- `<the name clients use for %s>`: served by `%s` (a LoadBalancer: its address is known after applying)\n", h.svc, h.object)
			continue
		}
		fmt.Fprintf(&w.b, "- `%s`: served by `%s` (service `%s`)\n", h.name, h.object, h.svc)
	}
	w.b.WriteString("\n")
}

func (w *writer) namespaceAndSecrets() {
	ns := w.f.namespace
	w.step("Create the namespace and the secrets")
	w.shell("kubectl create namespace " + ns + "   # berth apply would create it too; secrets need it first")
	if len(w.f.secrets) == 0 {
		w.para("The app has no Secrets.")
		return
	}
	w.para("`berth apply` writes these objects; check that each holds what the new environment needs (values are not shown here):")
	for _, s := range w.f.secrets {
		switch {
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
		return
	}
	w.para("Build and push them before applying (`berth build --registry <registry> --tag <tag> --push`), or apply with `--build`: it builds, pushes and runs each image pinned by digest.")
}

func (w *writer) volumes() {
	w.step("Volumes")
	if len(w.f.volumes) == 0 {
		w.para("No PersistentVolumeClaims: the app keeps no data in volumes.")
		return
	}
	w.para("`berth apply` creates these PersistentVolumeClaims; check the storage class has room for them:")
	w.b.WriteString("| Claim | Service | Size | Storage class |\n|---|---|---|---|\n")
	for _, v := range w.f.volumes {
		fmt.Fprintf(&w.b, "| `%s` | `%s` | %s | %s |\n", v.claim, v.service, v.size, v.class)
	}
	w.b.WriteString("\n")
}

func (w *writer) freezeAndDump() {
	w.step("Switch-over window: stop writes and dump the data")
	if len(w.f.stateful) == 0 {
		w.para("No service keeps data in a volume: nothing to move.")
		return
	}
	if ws := writers(w.f); len(ws) > 0 {
		w.para("Turn the maintenance page on and stop the services that write to the data (%s), then dump each stateful service:",
			strings.Join(code(ws), ", "))
	} else {
		w.para("Turn the maintenance page on so nothing writes to the data, then dump each stateful service:")
	}
	if w.f.app.Source == model.Compose {
		w.para("Run the `docker compose` commands in the project directory.")
	}
	if w.f.app.Source == model.ECS {
		w.para("The commands below run in the old task's container (ECS Exec: `aws ecs execute-command --interactive --command ...`).")
	}
	for _, s := range w.f.stateful {
		fmt.Fprintf(&w.b, "### `%s` (%s)\n\n", s.svc.Name, engineName(s.engine))
		w.shell(dumpCommands(w.oldExec(s.svc.Name), s, w.f.app)...)
	}
}

func (w *writer) oldExec(svc string) string {
	if w.f.app.Source == model.ECS {
		return "<exec into the old " + svc + " task> "
	}
	return "docker compose -p " + quote(w.f.app.Name) + " " + defaultArgs(w.f.app) + " exec -T " + svc + " "
}

func (w *writer) apply() {
	if len(w.f.cronJobs) == 0 {
		w.step("Apply")
		w.shell(w.berth("apply"))
		return
	}
	w.step("Apply, with scheduled jobs suspended")
	w.para("`--suspend-cronjobs` applies the CronJobs (%s) with `spec.suspend: true`, so none runs against half-moved data:",
		strings.Join(code(w.f.cronJobs), ", "))
	w.shell(w.berth("apply --suspend-cronjobs"))
}

func (w *writer) restore() {
	if len(w.f.stateful) == 0 {
		return
	}
	w.step("Restore the data")
	for _, s := range w.f.stateful {
		fmt.Fprintf(&w.b, "### `%s` (%s)\n\n", s.svc.Name, engineName(s.engine))
		w.shell(restoreCommands(w.f.namespace, s)...)
	}
	if r := restartable(w.f); len(r) > 0 {
		w.para("Then restart the services that read the data, so they start against it:")
		w.shell("berth restart -n " + w.f.namespace + " " + strings.Join(r, " "))
	}
}

func (w *writer) ready() {
	w.step("Check readiness")
	w.shell(w.berth("status"))
	if len(w.f.workloads) > 0 {
		w.para("Every workload must be ready: %s.", strings.Join(code(w.f.workloads), ", "))
	}
	for _, h := range w.f.hosts {
		if h.name != "" {
			w.para("Test the new entry point before DNS points at it: `curl --resolve %s:443:<ingress address> https://%s/`.", h.name, h.name)
		}
	}
}

func (w *writer) switchDNS() {
	w.step("Switch DNS")
	if len(w.f.hosts) == 0 {
		w.para("Nothing to switch: point the clients of the app at the new Services.")
		return
	}
	for _, h := range w.f.hosts {
		name := "`" + h.name + "`"
		if h.name == "" {
			name = "`<the name clients use for " + h.svc + ">`"
		}
		fmt.Fprintf(&w.b, "- %s → the address of `%s` (`kubectl -n %s get %s`)\n", name, h.object, w.f.namespace, strings.ToLower(h.object))
	}
	w.b.WriteString("\nWatch errors and traffic for one old TTL; keep the old app stopped but intact.\n\n")
}

func (w *writer) resume() {
	w.step("Resume scheduled jobs")
	if len(w.f.cronJobs) == 0 {
		w.para("The app has no CronJobs.")
		return
	}
	w.para("Apply again without `--suspend-cronjobs`: berth stops setting `spec.suspend`, so the CronJobs run on schedule again. A CronJob someone suspended by hand (`kubectl patch`) stays suspended.")
	w.shell(w.berth("apply"), fmt.Sprintf("kubectl -n %s get cronjobs   # SUSPEND: False", w.f.namespace))
}

func (w *writer) rollback() {
	w.step("Rollback")
	w.para("Until the old app is removed, going back is:")
	fmt.Fprintf(&w.b, "1. Point DNS back at the old addresses (the TTL is still low).\n")
	fmt.Fprintf(&w.b, "2. Start the old app again (`docker compose up -d`, or scale the ECS services back up). Data written in the cluster since the switch must be dumped from it (as in the dump step, the other way round) if it is to be kept.\n")
	fmt.Fprintf(&w.b, "3. `%s` removes the app from the cluster and keeps its PersistentVolumeClaims (add `--volumes` only when the data is no longer needed).\n", w.berth("down"))
}

func writers(f *facts) []string {
	stateful := map[string]bool{}
	for _, s := range f.stateful {
		stateful[s.svc.Name] = true
	}
	var out []string
	for _, s := range f.app.Services {
		if !stateful[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// restartable are the long-running services that are not stateful.
func restartable(f *facts) []string {
	long := map[string]bool{}
	for _, wl := range f.workloads {
		long[wl[strings.Index(wl, "/")+1:]] = true
	}
	var out []string
	for _, s := range writers(f) {
		if long[s] {
			out = append(out, s)
		}
	}
	return out
}

// relTo is p relative to dir when inside it, else p.
func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(r) {
		return r
	}
	if p == dir {
		return "."
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
