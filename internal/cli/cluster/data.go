package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/data"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/berth-dev/berth/pkg/transfer"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// dataApp is what every berth data command starts from: the converted app and where its data is.
type dataApp struct {
	input cli.ConvertFlags
	kube  kubeFlags
	app   *model.App
	objs  []convert.Object
	facts data.Facts
	ns    string
}

func (d *dataApp) bind(cmd *cobra.Command, kube bool) {
	d.input.Bind(cmd.Flags())
	if kube {
		d.kube.bind(cmd.Flags())
	}
}

func (d *dataApp) load(ctx context.Context, streams cli.IO) error {
	if err := d.input.Validate(); err != nil {
		return err
	}
	res, app, err := d.input.Run(ctx)
	if err != nil {
		return err
	}
	cli.PrintWarnings(io.Discard, res.Diagnostics, report.NewRedactor(app, res.Objects))
	d.app, d.objs, d.facts = app, res.Objects, data.Analyze(res.Converted(app), res.Objects)
	d.ns = app.Name
	for _, o := range res.Objects {
		if ns, ok := o.(*corev1.Namespace); ok {
			d.ns = ns.Name
			break
		}
		if o.GetNamespace() != "" {
			d.ns = o.GetNamespace()
		}
	}
	return nil
}

func (d *dataApp) client(streams cli.IO) (*transfer.Client, error) {
	cfg, _, err := d.kube.config(streams.Environ)
	if err != nil {
		return nil, err
	}
	return transfer.New(cfg)
}

func (d *dataApp) store(svc string) (data.Store, error) {
	if s := d.facts.Store(svc); s != nil {
		return *s, nil
	}
	var known []string
	for _, s := range d.facts.Stores {
		known = append(known, s.Service)
	}
	if d.app.Service(svc) == nil {
		return data.Store{}, fmt.Errorf("unknown service %q (data stores of %s: %s)", svc, d.app.Name, orNone(known))
	}
	return data.Store{}, fmt.Errorf("service %s is not a data store berth dumps and restores (PostgreSQL, MySQL/MariaDB, Redis, MongoDB with a volume at its data directory); the app's stores: %s; copy its volumes with berth data push", svc, orNone(known))
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}

func newData(streams cli.IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: cli.ClusterShort("data"),
		Long: `Data moves an application's data into the claims and stores berth converted it to. push copies
files into a volume's claim through a helper pod, verified file by file; restore streams a
dump into a data store with the store's own tool; dump prints the old side's dump command.
The rules and the runbook that uses them: docs/runbook.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDataPush(streams), newDataRestore(streams), newDataDump(streams))
	return cmd
}

// dataPushOptions are `berth data push`'s flags.
type dataPushOptions struct {
	d                        dataApp
	from, dockerVolume       string
	image, dockerImage       string
	force, resume, scaleDown bool
	timeout                  time.Duration
}

func newDataPush(streams cli.IO) *cobra.Command {
	o := &dataPushOptions{d: dataApp{input: cli.ConvertFlags{Environ: streams.Environ}}}
	cmd := &cobra.Command{
		Use:   "push VOLUME|SERVICE --from DIR|FILE.tar|- | --from-docker-volume NAME",
		Short: "Copy files into a volume's claim, verified file by file",
		Long: `Push copies a directory, a tar file or a tar stream on stdin (--from -) into the claim berth made
for the volume (a StatefulSet's claim included: created from its template if the StatefulSet has
not made it yet). A helper pod mounts the claim (with the fsGroup of the workloads that mount
it, running as root so owners are kept) and extracts the stream berth sends over the API
server. Owners (numeric), modes, symbolic and hard links and modification times are kept.
Then both sides compute the per-file list (type, mode, owner, size, SHA-256, time, link) and
berth compares them: any difference fails the command.

--from-docker-volume reads a Docker volume of the Compose side where docker is on PATH: berth
runs docker run --rm -v NAME:/v:ro busybox:1.36 tar -c -C /v . and streams its output (Compose
names its volumes PROJECT_VOLUME: docker volume ls lists them).

A claim that is not empty is refused unless --force (its content is replaced) or --resume
(what already matches is not sent again: an interrupted copy continues). A claim that running
pods mount is refused unless --scale-down, which scales the app's Deployments and StatefulSets
that mount it to 0 for the copy and back after, and says so.`,
		Example: `  berth data push uploads --from ./uploads -f compose.yaml
  berth data push uploads --from-docker-volume shop_uploads -f compose.yaml
  docker run --rm -v shop_uploads:/from:ro busybox tar -C /from -cf - . | berth data push uploads --from - -f compose.yaml
  berth data push web --from uploads.tar --resume -f compose.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), streams, args[0]) },
	}
	o.d.bind(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&o.from, "from", "", "what to copy: a directory, a tar file, or - for a tar stream on stdin")
	fs.StringVar(&o.dockerVolume, "from-docker-volume", "", "copy a Docker volume (needs docker on PATH): its content is read through docker run --rm -v NAME:/v:ro IMAGE tar -c -C /v .")
	fs.StringVar(&o.dockerImage, "docker-image", data.HelperImage, "image that reads --from-docker-volume (needs tar)")
	fs.BoolVar(&o.force, "force", false, "replace the content of a claim that is not empty")
	fs.BoolVar(&o.resume, "resume", false, "keep what the claim already holds exactly and send the rest")
	fs.BoolVar(&o.scaleDown, "scale-down", false, "scale the workloads that mount the claim to 0 for the copy, and back after")
	fs.StringVar(&o.image, "helper-image", data.HelperImage, "image of the helper pod (needs sh, tar, find, stat, sha256sum, readlink, cat, wc, mkdir, rm, sleep; nproc where it has it)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for the helper pod to start and for pods to stop")
	return cmd
}

func (o *dataPushOptions) run(ctx context.Context, streams cli.IO, target string) error {
	switch {
	case o.from == "" && o.dockerVolume == "":
		return errors.New("--from or --from-docker-volume is required: a directory, a tar file, - for a tar stream on stdin, or a Docker volume's name")
	case o.from != "" && o.dockerVolume != "":
		return errors.New("--from and --from-docker-volume both say what to copy: pass one")
	}
	if o.force && o.resume {
		return errors.New("--force replaces the claim's content and --resume keeps it: pass one")
	}
	if err := o.d.load(ctx, streams); err != nil {
		return err
	}
	v, err := o.volume(target)
	if err != nil {
		return err
	}
	src, total, closeSrc, err := o.source(streams)
	if err != nil {
		return err
	}
	defer closeSrc()
	c, err := o.d.client(streams)
	if err != nil {
		return err
	}
	opts := transfer.PushOptions{
		Namespace: o.d.ns, Claim: v.Claim, Template: o.template(v), Workloads: scalable(v), FSGroup: o.fsGroup(v),
		Image: o.image, Force: o.force, Resume: o.resume, ScaleDown: o.scaleDown,
		Source: src, Total: total, Progress: streams.ErrOut, Timeout: o.timeout,
		Warn: func(w string) { fmt.Fprintln(streams.ErrOut, "warning: "+w) },
	}
	res, err := c.Push(ctx, opts)
	if res.Created {
		fmt.Fprintf(streams.ErrOut, "created claim %s from StatefulSet %s's claim template %s\n", v.Claim, v.StatefulSet, v.Template)
	}
	if len(res.Scaled) > 0 {
		fmt.Fprintf(streams.ErrOut, "scaled %s to 0 for the copy, and back\n", strings.Join(res.Scaled, ", "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "claim %s/%s: %d entries, %.1f MiB; sent %d entries, %.1f MiB (%.1f MiB of files the claim had, not exactly); verified %d entries (SHA-256, mode, owner, time, links) on both sides\n",
		o.d.ns, v.Claim, res.Files, float64(res.Bytes)/(1<<20), res.SentFiles, float64(res.SentBytes)/(1<<20), float64(res.ResentBytes)/(1<<20), res.Verified)
	fmt.Fprintf(streams.ErrOut, "checks %s, helper pod %s, copy %s, verification %s, clean-up %s\n", res.Check.Round(time.Millisecond),
		res.Start.Round(time.Millisecond), res.Copy.Round(time.Millisecond), res.Verify.Round(time.Millisecond), res.Cleanup.Round(time.Millisecond))
	return nil
}

// volume resolves VOLUME|SERVICE to a volume: a volume by name, or the one files volume a
// service mounts.
func (o *dataPushOptions) volume(target string) (data.Volume, error) {
	if v := o.d.facts.Volume(target); v != nil {
		if len(v.Mounts) == 0 {
			return data.Volume{}, fmt.Errorf("volume %s is mounted by no service: berth made no claim for it", target)
		}
		return *v, nil
	}
	var files, stores, all []string
	for _, v := range o.d.facts.Volumes {
		all = append(all, v.Name)
		if !slices.Contains(v.Services(), target) {
			continue
		}
		if v.Store == "" {
			files = append(files, v.Name)
		} else {
			stores = append(stores, v.Name)
		}
	}
	switch {
	case len(files) == 1:
		return *o.d.facts.Volume(files[0]), nil
	case len(files) > 1:
		return data.Volume{}, fmt.Errorf("service %s mounts several volumes (%s): name the volume", target, strings.Join(files, ", "))
	case len(stores) > 0:
		return data.Volume{}, fmt.Errorf("service %s keeps its data in %s as a data store: restore a logical dump (berth data restore %s --dump FILE), or name the volume to copy files into it", target, strings.Join(stores, ", "), target)
	case o.d.app.Service(target) != nil:
		return data.Volume{}, fmt.Errorf("service %s mounts no persistent volume", target)
	}
	return data.Volume{}, fmt.Errorf("unknown volume or service %q (the app's persistent volumes: %s)", target, orNone(all))
}

// source opens --from (or --from-docker-volume) as a tar stream, and says how to know its
// size (0: unknown). A directory's size is a walk of its own, run while the helper pod starts.
func (o *dataPushOptions) source(streams cli.IO) (io.Reader, func() int64, func(), error) {
	if o.dockerVolume != "" {
		r, closeSrc, err := dockerVolume(streams.Environ, o.dockerVolume, o.dockerImage)
		return r, sized(0), closeSrc, err
	}
	if o.from == "-" {
		return streams.In, sized(0), func() {}, nil
	}
	fi, err := os.Stat(o.from)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--from: %w", err)
	}
	if fi.IsDir() {
		d := transfer.OpenDir(o.from, func(w string) { fmt.Fprintln(streams.ErrOut, "warning: "+w) })
		return d, d.Total, func() { d.Close() }, nil
	}
	f, err := os.Open(o.from)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--from: %w", err)
	}
	return f, sized(fi.Size()), func() { f.Close() }, nil
}

func sized(n int64) func() int64 { return func() int64 { return n } }

// template is the claim of a StatefulSet's pod 0 as its controller would make it.
func (o *dataPushOptions) template(v data.Volume) *corev1.PersistentVolumeClaim {
	if v.StatefulSet == "" {
		return nil
	}
	for _, obj := range o.d.objs {
		s, ok := obj.(*appsv1.StatefulSet)
		if !ok || s.Name != v.StatefulSet {
			continue
		}
		for _, t := range s.Spec.VolumeClaimTemplates {
			if t.Name == v.Template {
				pvc := &corev1.PersistentVolumeClaim{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
				pvc.Labels = map[string]string{}
				for k, val := range t.Labels {
					pvc.Labels[k] = val
				}
				if s.Spec.Selector != nil {
					for k, val := range s.Spec.Selector.MatchLabels {
						pvc.Labels[k] = val
					}
				}
				return pvc
			}
		}
	}
	return nil
}

func (o *dataPushOptions) fsGroup(v data.Volume) *int64 {
	for _, obj := range o.d.objs {
		ps := convert.PodSpec(obj)
		if ps == nil || ps.SecurityContext == nil || ps.SecurityContext.FSGroup == nil {
			continue
		}
		for _, m := range v.Mounts {
			if m.Service == obj.GetLabels()[convert.LabelName] {
				return ps.SecurityContext.FSGroup
			}
		}
	}
	return nil
}

// scalable are the Deployments and StatefulSets that mount v.
func scalable(v data.Volume) []string {
	var out []string
	for _, m := range v.Mounts {
		if (strings.HasPrefix(m.Workload, "deployment/") || strings.HasPrefix(m.Workload, "statefulset/")) && !slices.Contains(out, m.Workload) {
			out = append(out, m.Workload)
		}
	}
	return out
}

// dataRestoreOptions are `berth data restore`'s flags.
type dataRestoreOptions struct {
	d       dataApp
	dump    string
	timeout time.Duration
}

func newDataRestore(streams cli.IO) *cobra.Command {
	o := &dataRestoreOptions{d: dataApp{input: cli.ConvertFlags{Environ: streams.Environ}}}
	cmd := &cobra.Command{
		Use:   "restore SERVICE --dump FILE",
		Short: "Restore a dump into a data store with the store's own tool",
		Long: `Restore streams a dump into the running pod of a data store berth converted (PostgreSQL,
MySQL/MariaDB, MongoDB, Redis), where the store's own tool reads it: pg_restore (custom format)
or psql (plain SQL) in one transaction, mysql, mongorestore --drop, and for Redis a dump loaded
by a second redis-server in the pod and replicated into the store (append-only or not): an RDB,
an append-only file with an RDB preamble (Redis 7: cat the appendonlydir's base and incr files
in the manifest's order), or a plain AOF. A gzip-compressed dump (.gz) is decompressed on its way. Credentials come from the container's environment (its Secret), never from the
command line. The dump's first bytes must match the store: a Redis RDB is not restored into
PostgreSQL. Apply the data tier first (berth apply --only SERVICE).`,
		Example: `  berth data restore db --dump db.dump -f compose.yaml
  berth data restore cache --dump cache.rdb -f compose.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), streams, args[0]) },
	}
	o.d.bind(cmd, true)
	cmd.Flags().StringVar(&o.dump, "dump", "", "the dump file (- reads stdin)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for a ready pod of the store")
	return cmd
}

func (o *dataRestoreOptions) run(ctx context.Context, streams cli.IO, svc string) error {
	if o.dump == "" {
		return errors.New("--dump is required")
	}
	if err := o.d.load(ctx, streams); err != nil {
		return err
	}
	s, err := o.d.store(svc)
	if err != nil {
		return err
	}
	var in io.Reader = streams.In
	if o.dump != "-" {
		f, err := os.Open(o.dump)
		if err != nil {
			return fmt.Errorf("--dump: %w", err)
		}
		defer f.Close()
		in = f
	}
	c, err := o.d.client(streams)
	if err != nil {
		return err
	}
	var stores []string
	for _, st := range o.d.facts.Stores {
		stores = append(stores, st.Service)
	}
	if running, err := c.RunningServices(ctx, o.d.ns, stores...); err == nil && len(running) > 0 {
		fmt.Fprintf(streams.ErrOut, "warning: the app tier runs (%s): it may write while %s's data is replaced; a switch-over restores before the app tier starts (berth apply --only %s)\n",
			strings.Join(running, ", "), s.Service, strings.Join(stores, ","))
	}
	start := time.Now()
	if err := c.Restore(ctx, transfer.RestoreOptions{Namespace: o.d.ns, Store: s, Dump: in, Name: o.dump, Out: streams.Out, Timeout: o.timeout}); err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "restored %s into %s (%s) in %s\n", o.dump, s.Service, s.Workload, time.Since(start).Round(10*time.Millisecond))
	return nil
}

func newDataDump(streams cli.IO) *cobra.Command {
	d := &dataApp{input: cli.ConvertFlags{Environ: streams.Environ}}
	var runIt bool
	cmd := &cobra.Command{
		Use:   "dump SERVICE",
		Short: "Print (or run) the command that dumps a data store on the old side",
		Long: `Dump prints the command that dumps a data store of the Compose app (docker compose exec, with
the project's real names and the store's own tool) into the file berth data restore reads.
Credentials are read in the container from its environment, never written out.

With --run, where docker is on PATH, berth runs it (sh, in the current directory) and checks
that the file it wrote is a dump of the store's kind; a failed or wrong dump is removed.`,
		Example: `  berth data dump db -f compose.yaml | sh
  berth data dump db -f compose.yaml --run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := d.load(cmd.Context(), streams); err != nil {
				return err
			}
			s, err := d.store(args[0])
			if err != nil {
				return err
			}
			pre, line := data.DumpCommand(d.oldExec, s)
			file := s.Service + s.Engine.DumpExt()
			if runIt {
				return runDump(cmd.Context(), streams, s, append(pre, line+" > "+data.Quote(file)), file)
			}
			for _, p := range pre {
				fmt.Fprintln(streams.Out, p)
			}
			fmt.Fprintln(streams.Out, line+" > "+file)
			return nil
		},
	}
	d.bind(cmd, false)
	cmd.Flags().BoolVar(&runIt, "run", false, "run the dump command (needs docker on PATH) and check the file it writes")
	return cmd
}

// runDump runs a dump command's lines in one sh where docker is on PATH, then checks that
// file holds a dump of s's kind; a failed or wrong dump is removed, so it is never restored.
func runDump(ctx context.Context, streams cli.IO, s data.Store, lines []string, file string) error {
	script := strings.Join(lines, "\n")
	if lookPath(streams.Environ, "docker") == "" {
		return fmt.Errorf("--run needs docker on PATH (berth runs: %s); without docker, run the command berth data dump prints without --run where the Compose app runs", script)
	}
	c := exec.CommandContext(ctx, "sh", "-c", script)
	c.Env, c.Stdin, c.Stdout, c.Stderr = streams.Environ, streams.In, streams.ErrOut, streams.ErrOut
	if err := c.Run(); err != nil {
		os.Remove(file)
		return fmt.Errorf("dump %s: %s: %w; %s removed", s.Service, script, err, file)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return err
	}
	if kind, what := data.Sniff(head[:n]); kind != s.Engine {
		os.Remove(file)
		if what == "" {
			what = fmt.Sprintf("not a dump (%d bytes)", fi.Size())
		}
		return fmt.Errorf("dump %s: %s is %s, not a dump of %s; %s removed", s.Service, file, what, s.Engine.Title(), file)
	}
	fmt.Fprintf(streams.ErrOut, "wrote %s: %s, %d bytes\n", file, s.Engine.Title(), fi.Size())
	return nil
}

// oldExec runs a command in a service's container on the Compose side.
func (d *dataApp) oldExec(svc string, env ...string) string {
	if d.app.Source != model.Compose {
		return "<exec into the old " + svc + " task> "
	}
	parts := []string{"docker", "compose", "-p", data.Quote(d.app.Name)}
	for _, f := range d.app.Files {
		parts = append(parts, "-f", data.Quote(f))
	}
	parts = append(parts, "exec", "-T")
	for _, e := range env {
		parts = append(parts, "-e", e)
	}
	return strings.Join(append(parts, svc), " ") + " "
}

// dockerVolumeCommand reads a Docker volume as a tar stream on stdout, read-only.
func dockerVolumeCommand(volume, image string) []string {
	return []string{"docker", "run", "--rm", "-v", volume + ":/v:ro", image, "tar", "-c", "-C", "/v", "."}
}

// dockerVolume starts dockerVolumeCommand with the docker found on environ's PATH. A docker
// that fails (no such volume, no daemon) fails the stream with its stderr: an empty stream
// is never taken for an empty volume.
func dockerVolume(environ []string, volume, image string) (io.Reader, func(), error) {
	argv := dockerVolumeCommand(volume, image)
	docker := lookPath(environ, "docker")
	if docker == "" {
		return nil, nil, fmt.Errorf("--from-docker-volume needs docker on PATH (berth runs %s); without docker, copy the volume's files to a directory and pass --from DIR, or a tar of them with --from FILE.tar or --from -",
			strings.Join(argv, " "))
	}
	cmd := exec.Command(docker, argv[1:]...)
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	r := &commandReader{r: out, cmd: cmd, stderr: &stderr, what: strings.Join(argv, " ")}
	return r, func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}, nil
}

// commandReader reads a command's stdout; at its end, a failed command is the read's error.
type commandReader struct {
	r      io.Reader
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	what   string
	err    error // the command's end, once read
	ended  bool
}

func (c *commandReader) Read(p []byte) (int, error) {
	if c.ended {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.ended, c.err = true, io.EOF
		if werr := c.cmd.Wait(); werr != nil {
			c.err = fmt.Errorf("%s: %w: %s", c.what, werr, strings.TrimSpace(c.stderr.String()))
		}
		return n, c.err
	}
	return n, err
}

// lookPath finds an executable on environ's PATH ("" when there is none).
func lookPath(environ []string, name string) string {
	for _, kv := range environ {
		v, ok := strings.CutPrefix(kv, "PATH=")
		if !ok {
			continue
		}
		for _, dir := range filepath.SplitList(v) {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				return p
			}
		}
	}
	return ""
}
