package convert

import (
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// persist.go keeps state that Compose keeps. Four kinds of mount hold a container's data
// although Compose does not name a volume for them:
//   - a bind mount whose host directory does not exist when berth runs: Docker creates it at
//     start and the container writes into it (./postgres14:/var/lib/postgresql/data); likewise
//     one that is empty or holds only placeholders (.gitkeep);
//   - a writable directory whose files name a path inside it that is none of them (writesInside);
//   - an anonymous volume of a data-store image (- /var/lib/mysql): Compose carries it over
//     when it re-creates the container;
//   - no mount at all where a database image keeps its data (imageVolumes): Docker creates an
//     anonymous volume there itself (the image's VOLUME), carried over the same way.
//
// As an emptyDir, or as the container's own files, each would lose the data with every pod (each
// rollout, reschedule or eviction; the last even with every container restart). berth gives
// each such mount a volume of the app, so it becomes a claim exactly as a named volume would: a
// StatefulSet's claim template for a data store that alone mounts it, else a
// PersistentVolumeClaim (ReadWriteMany when several services share the directory).

// keptState is one host directory or anonymous volume that became a volume of the app.
type keptState struct {
	// volume is the app volume's name; source how messages name the mount (./postgres14,
	// "anonymous volume at /var/lib/mysql"); field the first mount's input path.
	volume, source, field string
	// anonymous: an anonymous volume, not a bind mount; image: the volume Docker creates where
	// a database image keeps its data (its Dockerfile's VOLUME) and nothing is mounted; source
	// is that directory then.
	anonymous, image bool
	// empty: the directory exists but is empty or holds only placeholders (.gitkeep): the
	// repository keeps it for the container to write into.
	empty bool
	// file and created: a directory the program writes into (writesInside), not a missing
	// one: its file names the path created inside it. Its files go over the volume.
	file, created string
	// users are the services mounting it (sorted, unique).
	users []string
}

// keepState returns app with the mounts above turned into named-volume mounts of new app
// volumes (and a database image's data directory mounted from one), and what it changed. app
// itself is not modified: the services it changes are copied.
func (b *builder) keepState(app *model.App) (*model.App, []keptState) {
	taken := map[string]bool{}
	for _, v := range app.Volumes {
		taken[v.Name] = true
	}
	bySource := map[string]*keptState{}
	var kept []*keptState
	out := *app
	out.Services = slices.Clone(app.Services)
	for si, svc := range app.Services {
		var cp *model.Service
		for ci, c := range svc.Containers {
			for mi, m := range c.Mounts {
				key, ks := b.stateMount(svc, c, m)
				if key == "" {
					continue
				}
				k := bySource[key]
				if k == nil {
					k = &keptState{volume: uniqueVolume(ks.volume, taken), source: ks.source, field: m.Field, anonymous: ks.anonymous,
						empty: ks.empty, file: ks.file, created: ks.created}
					bySource[key] = k
					kept = append(kept, k)
				}
				if !slices.Contains(k.users, svc.Name) {
					k.users = append(k.users, svc.Name)
				}
				if cp == nil {
					cp = copyService(svc)
					out.Services[si] = cp
				}
				nm := &cp.Containers[ci].Mounts[mi]
				files := []model.File(nil)
				if ks.created != "" {
					files = nm.Files // mounted over the volume (filesOver)
				}
				nm.Type, nm.Source, nm.Files, nm.NotRead, nm.IsDir, nm.Missing = model.MountVolume, k.volume, files, "", files != nil, false
			}
			for _, d := range b.imageVolumes(svc, c) {
				field := c.Paths.Of(model.KeyImage)
				k := &keptState{volume: uniqueVolume(svc.Name+"-"+path.Base(d), taken), source: d, field: field, image: true,
					users: []string{svc.Name}}
				kept = append(kept, k)
				if cp == nil {
					cp = copyService(svc)
					out.Services[si] = cp
				}
				cp.Containers[ci].Mounts = append(cp.Containers[ci].Mounts, model.Mount{Type: model.MountVolume, Source: k.volume,
					Target: d, Field: field})
			}
		}
	}
	if len(kept) == 0 {
		return app, nil
	}
	out.Volumes = slices.Clone(app.Volumes)
	res := make([]keptState, len(kept))
	for i, k := range kept {
		sort.Strings(k.users)
		out.Volumes = append(out.Volumes, model.Volume{Name: k.volume, Field: k.field})
		res[i] = *k
	}
	sort.Slice(out.Volumes, func(i, j int) bool { return out.Volumes[i].Name < out.Volumes[j].Name })
	return &out, res
}

// copyService copies svc down to its containers' mounts, the parts keepState changes.
func copyService(svc *model.Service) *model.Service {
	cp := *svc
	cp.Containers = slices.Clone(svc.Containers)
	for i := range cp.Containers {
		cp.Containers[i].Mounts = slices.Clone(svc.Containers[i].Mounts)
	}
	return &cp
}

// stateMount says whether mount m of container c holds state that needs a volume: the key
// that groups mounts of the same data (a host directory, or one service's anonymous volume)
// and the volume's wanted name; "" when m stays as it is.
func (b *builder) stateMount(svc *model.Service, c model.Container, m model.Mount) (string, keptState) {
	switch m.Type {
	case model.MountBind:
		if file, created := writesInside(m); created != "" && m.NotRead == "" && inside(b.app.Dir, m.Source) &&
			!buildContext(m.Files) && !allowedHostPath(svc.Options.HostPaths, m.Source) {
			return "bind:" + filepath.Clean(m.Source), keptState{volume: pathVolume(b.app.Dir, m), source: b.shownSource(m),
				file: file, created: created}
		}
		empty := placeholderDir(m)
		if (!m.Missing && !empty) || allowedHostPath(svc.Options.HostPaths, m.Source) || fileLike(m, m.NotRead) ||
			hostSystemPath(m.Source) || !writtenBy(b.app, m.Source) {
			return "", keptState{}
		}
		return "bind:" + filepath.Clean(m.Source), keptState{volume: pathVolume(b.app.Dir, m), source: b.shownSource(m), empty: empty}
	case model.MountAnon:
		if info, _, ok := b.containerImage(&c); !ok || !info.Stateful {
			return "", keptState{}
		}
		return "anon:" + svc.Name + ":" + m.Target, keptState{volume: svc.Name + "-" + path.Base(m.Target),
			source: "anonymous volume at " + m.Target, anonymous: true}
	}
	return "", keptState{}
}

// writtenBy reports whether some service mounts host path src writable: a directory only
// read from holds no state (it stays an emptyDir, as Docker's would be empty too).
func writtenBy(app *model.App, src string) bool {
	for _, s := range app.Services {
		for _, c := range s.Containers {
			for _, m := range c.Mounts {
				if m.Type == model.MountBind && filepath.Clean(m.Source) == filepath.Clean(src) && !m.ReadOnly {
					return true
				}
			}
		}
	}
	return false
}

// hostSystemPath reports whether a host path belongs to the host's system (kernel modules,
// devices, runtime sockets), which no claim can stand in for: it stays as it is.
func hostSystemPath(p string) bool {
	for _, d := range []string{"/bin", "/boot", "/dev", "/lib", "/lib64", "/proc", "/run", "/sbin", "/sys", "/var/run",
		"/usr/bin", "/usr/include", "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/sbin", "/usr/src"} {
		if inside(d, p) {
			return true
		}
	}
	return false
}

// pathVolume names the volume of bind m's host directory: its path relative to the project
// (./public/system → public-system), relative to the user's home when written so (~/.flowise →
// flowise: the same for every user), the absolute path's segments otherwise.
func pathVolume(dir string, m model.Mount) string {
	if h := strings.TrimPrefix(strings.TrimPrefix(m.HomeSource, "~"), "/"); m.HomeSource != "" {
		return dnsLabel(strings.ReplaceAll(h, "/", "-"), maxLabel, "home")
	}
	p := filepath.Clean(m.Source)
	if inside(dir, p) {
		if rel, err := filepath.Rel(filepath.Clean(dir), p); err == nil && rel != "." {
			p = rel
		}
	}
	return dnsLabel(strings.ReplaceAll(filepath.ToSlash(p), "/", "-"), maxLabel, "data")
}

// uniqueVolume returns want, or want-2, want-3, ... when an app volume already has the name.
func uniqueVolume(want string, taken map[string]bool) string {
	name := want
	for i := 2; taken[name]; i++ {
		name = want + "-" + strconv.Itoa(i)
	}
	taken[name] = true
	return name
}

// keptState returns what persist.go made volume name of, or nil.
func (b *builder) keptState(name string) *keptState {
	for i := range b.kept {
		if b.kept[i].volume == name {
			return &b.kept[i]
		}
	}
	return nil
}

// keptWarnings emits one warning per kept directory or anonymous volume, naming the first
// service, the path and the claim it became (after the pods are built: the kind decides).
func (b *builder) keptWarnings() {
	st := b.config()
	for _, k := range b.kept {
		claim := "a claim template of StatefulSet " + b.name(k.users[0])
		if st.claims.pvc[k.volume] {
			claim = "PersistentVolumeClaim " + st.claims.names[k.volume]
			if spec, ok := st.claims.specs[k.volume]; ok && spec.AccessModes[0] == corev1.ReadWriteMany && len(k.users) > 1 {
				claim += " (ReadWriteMany, shared: the storage class must support it)"
			}
		}
		if k.image {
			b.ledger.Warnf(k.users[0], k.field, "data store %s mounts nothing at %s, where its image keeps its data: Docker creates "+
				"a volume there (VOLUME in the image's Dockerfile), which Compose keeps when it re-creates the container; it became "+
				"%s, as a named volume would, not the container's own files that the pod loses with every restart; mount a named "+
				"volume at %s to name it yourself", k.users[0], k.source, claim, k.source)
			continue
		}
		if k.anonymous {
			b.ledger.Warnf(k.users[0], k.field, "%s of data store %s became %s, as a named volume would: Compose keeps it when it "+
				"re-creates the container, an emptyDir would lose the data with every pod", k.source, k.users[0], claim)
			continue
		}
		if k.created != "" {
			b.ledger.Warnf(k.users[0], k.field, "bind mount of %s: %s names %s inside it, which %s creates, so the directory "+
				"holds state: it became %s, writable as the bind was, with the directory's files mounted over it read-only "+
				"(one subPath mount each); berth data push copies existing data into it", k.source, k.file, k.created, and(k.users), claim)
			continue
		}
		why := "the directory does not exist, so Docker would create it for %s to write into"
		if k.empty {
			why = "the directory is empty or holds only placeholders (.gitkeep), kept for %s to write into"
		}
		b.ledger.Warnf(k.users[0], k.field, "bind mount of %s: "+why+"; it became %s, as a named volume would, not an emptyDir "+
			"that loses the data with every pod; berth data push copies existing data into it", k.source, and(k.users), claim)
	}
}

// and joins names as prose: "a", "a and b", "a, b and c".
func and(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// placeholderDir reports whether bind m is a directory berth read that is empty or holds only
// files a repository keeps an empty directory with (.gitkeep, .keep, .gitignore, .placeholder,
// .empty): the directory is there for the container to write into, as a missing one would be.
func placeholderDir(m model.Mount) bool {
	if !m.IsDir || m.NotRead != "" || m.Missing {
		return false
	}
	for _, f := range m.Files {
		switch path.Base(f.Name) {
		case ".gitkeep", ".keep", ".gitignore", ".placeholder", ".empty":
		default:
			return false
		}
	}
	return true
}

// imageVolumes are the data directories a database image declares (VOLUME in its
// Dockerfile) where container c of svc mounts nothing (a tmpfs there is a throwaway the input
// chose), when c runs the image's own server (runsServer: `psql -c ...` on the postgres image
// keeps no data, nor does a schedule). Only the official database images whose VOLUME berth
// knows: postgres (/var/lib/postgresql/data; from 18 on /var/lib/postgresql), mysql and
// mariadb (/var/lib/mysql), mongo (/data/db).
func (b *builder) imageVolumes(svc *model.Service, c model.Container) []string {
	if b.app.Source != model.Compose || c.Image == "" || c.Build != nil {
		return nil // a built image is the user's: berth does not know its VOLUMEs
	}
	if svc.Options.Schedule != "" || svc.Options.Kind == model.KindJob || svc.Options.Kind == model.KindCronJob {
		return nil
	}
	if !runsServer(c) {
		return nil
	}
	ref := parseImage(c.Image)
	if ref.Repo != path.Base(ref.Repo) {
		return nil // the official images only: others keep their data elsewhere
	}
	var dirs []string
	switch ref.Repo {
	case "postgres":
		dirs = []string{"/var/lib/postgresql/data"}
		if postgresMajor(ref.Tag) >= 18 {
			dirs = []string{"/var/lib/postgresql"}
		}
	case "mysql", "mariadb":
		dirs = []string{"/var/lib/mysql"}
	case "mongo":
		dirs = []string{"/data/db"}
	}
	var out []string
	for _, d := range dirs {
		if !slices.ContainsFunc(c.Mounts, func(m model.Mount) bool {
			t := path.Clean(m.Target)
			return t == d || inside(t, d) || inside(d, t)
		}) {
			out = append(out, d)
		}
	}
	return out
}

// postgresMajor is the major version a postgres tag names (16, 16.4, 17-alpine), or the
// newest (18) for a tag without one (latest, alpine): what docker pull gets today.
func postgresMajor(tag string) int {
	v := tag
	if i := strings.IndexAny(v, ".-_"); i >= 0 {
		v = v[:i]
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 18
}

// runsServer reports whether c runs its image's own process (the server its image table
// entry and data directory describe). berth says no only when it recognizes every program c
// runs as something else: database clients (pg_dump, psql,
// mysqldump, mongosh, redis-cli), shell builtins and file tools (true, echo, sleep, mkdir,
// chown), whether as the command or in an inline shell script (`while true; do pg_dump ...;
// sleep 86400; done`). A server among them (postgres, mysqld, docker-entrypoint.sh), flags for
// the entrypoint (`--character-set-server=utf8mb4`), or any program berth does not know (a
// script: `/bin/bash /mongo-entrypoint.sh`, which ends in `exec docker-entrypoint.sh mongod`)
// keeps the image's server.
func runsServer(c model.Container) bool {
	known := func(w string) bool {
		b := path.Base(w)
		return b == "" || shellWords[b] || clientTools[b]
	}
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(argv) == 0 || strings.HasPrefix(argv[0], "-") {
		return true // the image's entrypoint and command, or flags for them
	}
	if cmds, ok := shellScript(argv); ok {
		return slices.ContainsFunc(cmds, func(cmd []string) bool { return !known(program(cmd)) })
	}
	return !known(argv[0])
}

// program is the program a shell command runs: past exec, do, then, else, nohup, variable
// assignments, and gosu or su-exec with its user.
func program(cmd []string) string {
	for i := 0; i < len(cmd); i++ {
		switch w := cmd[i]; {
		case w == "exec" || w == "do" || w == "then" || w == "else" || w == "nohup" || strings.Contains(w, "="):
		case w == "gosu" || w == "su-exec":
			i++ // its user
		default:
			return w
		}
	}
	return ""
}

// shellWords are shell keywords, builtins and file tools: what a script runs around the
// program that matters.
var shellWords = map[string]bool{
	"while": true, "until": true, "for": true, "if": true, "fi": true, "done": true, "case": true, "esac": true,
	"true": true, "false": true, ":": true, "echo": true, "printf": true, "sleep": true, "test": true, "[": true,
	"cd": true, "export": true, "set": true, "ulimit": true, "wait": true, "trap": true, "exit": true,
	"mkdir": true, "chown": true, "chmod": true, "cp": true, "mv": true, "rm": true, "cat": true, "touch": true,
	"ls": true, "find": true, "date": true, "gzip": true, "tar": true,
}

// clientTools are the database images' own client programs: a container running them (a
// backup loop, a one-off query) is not the database.
var clientTools = map[string]bool{
	"psql": true, "pg_dump": true, "pg_dumpall": true, "pg_restore": true, "pg_isready": true, "pg_basebackup": true,
	"mysql": true, "mysqldump": true, "mysqladmin": true, "mariadb": true, "mariadb-dump": true, "mariadb-admin": true,
	"mongosh": true, "mongo": true, "mongodump": true, "mongorestore": true, "mongoimport": true, "mongoexport": true,
	"redis-cli": true, "valkey-cli": true, "keydb-cli": true,
}
