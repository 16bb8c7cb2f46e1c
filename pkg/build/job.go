package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/tonistiigi/fsutil"

	"github.com/berth-dev/berth/pkg/model"
)

// job is one image to build: the checked build section turned into what a BuildKit solve
// needs (frontend attributes, local directories, session attachables).
type job struct {
	service    string
	build      *model.Build
	ref        string
	context    string
	dockerfile string
	attrs      map[string]string
	locals     map[string]string
	attach     []session.Attachable
	cacheFrom  []string
	cacheTo    []string
	tmp        string
	// secretValues are the build secrets' values, kept out of what errors show.
	secretValues []string
	// builderRuns are the os/arch platforms the builder runs programs of.
	builderRuns []string
	// platformFrom names where the platforms come from (build.platforms or --platform).
	platformFrom string
}

func (j *job) cleanup() {
	if j.tmp != "" {
		os.RemoveAll(j.tmp)
	}
}

// prepare checks t's build section and builds its job. Every error names the service and
// the field.
func prepare(app *model.App, t Target, opts Options) (*job, error) {
	b := t.Build
	j := &job{
		service: t.Service.Name, build: b, ref: model.BuiltImage(opts.Registry, t.Service.Name, opts.Tag),
		context: b.Context, attrs: map[string]string{}, locals: map[string]string{},
		cacheFrom: b.CacheFrom, cacheTo: b.CacheTo,
	}
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s: service %s: %s", field, t.Service.Name, fmt.Sprintf(format, args...))
	}
	if err := j.contextDir(app, fail); err != nil {
		return nil, err
	}
	if err := j.dockerfileSource(fail); err != nil {
		j.cleanup()
		return nil, err
	}
	if b.Target != "" {
		j.attrs["target"] = b.Target
	}
	env := environMap(opts.Environ)
	for _, a := range b.Args {
		v, ok := a.Value, !a.Unset
		if a.Unset {
			v, ok = env[a.Key]
		}
		if ok {
			j.attrs["build-arg:"+a.Key] = v
		}
	}
	for _, l := range b.Labels {
		j.attrs["label:"+l.Key] = l.Value
	}
	platforms := b.Platforms
	j.platformFrom = b.Field + ".platforms"
	if len(opts.Platforms) > 0 {
		platforms, j.platformFrom = opts.Platforms, "--platform"
	}
	if len(platforms) > 0 {
		j.attrs["platform"] = strings.Join(platforms, ",")
	}
	if b.NoCache {
		j.attrs["no-cache"] = ""
	}
	if b.Pull {
		j.attrs["image-resolve-mode"] = "pull"
	}
	steps := []func(*model.App, func(string, string, ...any) error, map[string]string) error{
		j.additionalContexts, j.secrets, j.ssh,
	}
	for _, step := range steps {
		if err := step(app, fail, env); err != nil {
			j.cleanup()
			return nil, err
		}
	}
	return j, nil
}

// contextDir checks a local context: a directory inside the project.
func (j *job) contextDir(app *model.App, fail func(string, string, ...any) error) error {
	b := j.build
	if isRemote(b.Context) {
		j.attrs["context"] = b.Context
		return nil
	}
	dir, err := localDir(app.Dir, b.Context)
	if err != nil {
		return fail(b.Field+".context", "%v", err)
	}
	j.context = dir
	j.locals["context"] = dir
	return nil
}

// localDir resolves dir (symlinks too) and checks it is a directory inside the project.
func localDir(project, dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("directory %s does not exist", dir)
		}
		return "", err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a directory", dir)
	}
	root, err := filepath.EvalSymlinks(project)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the project directory %s: berth builds only contexts inside the project", dir, project)
	}
	return real, nil
}

// dockerfileSource finds the Dockerfile: inline text is written to a temporary directory.
func (j *job) dockerfileSource(fail func(string, string, ...any) error) error {
	b := j.build
	if b.DockerfileInline != "" {
		dir, err := os.MkdirTemp("", "berth-dockerfile-")
		if err != nil {
			return err
		}
		j.tmp = dir
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(b.DockerfileInline), 0o600); err != nil {
			return err
		}
		j.locals["dockerfile"] = dir
		j.attrs["filename"] = "Dockerfile"
		j.dockerfile = "inline"
		return nil
	}
	name := b.Dockerfile
	if name == "" {
		name = "Dockerfile"
	}
	if isRemote(b.Context) {
		j.attrs["filename"] = name
		j.dockerfile = name
		return nil
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(j.context, name)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(b.Field+".dockerfile", "Dockerfile %s does not exist", path)
	case err != nil:
		return fail(b.Field+".dockerfile", "%v", err)
	case !fi.Mode().IsRegular():
		return fail(b.Field+".dockerfile", "%s is not a file", path)
	}
	j.locals["dockerfile"] = filepath.Dir(path)
	j.attrs["filename"] = filepath.Base(path)
	j.dockerfile = path
	return nil
}

// additionalContexts maps named contexts: a local directory becomes a local source, other
// forms (docker-image://, target:, URLs) go to the frontend as they are.
func (j *job) additionalContexts(app *model.App, fail func(string, string, ...any) error, _ map[string]string) error {
	for _, kv := range j.build.AdditionalContexts {
		field := j.build.Field + ".additional_contexts." + kv.Key
		v := kv.Value
		switch {
		case strings.HasPrefix(v, "docker-image://"), strings.HasPrefix(v, "target:"), isRemote(v):
			j.attrs["context:"+kv.Key] = v
		case strings.HasPrefix(v, "service:"):
			return fail(field, "a context built from another service (%s) is not supported yet: give the image (docker-image://REF)", v)
		default:
			dir, err := localDir(app.Dir, v)
			if err != nil {
				return fail(field, "%v", err)
			}
			name := "ctx-" + kv.Key
			j.locals[name] = dir
			j.attrs["context:"+kv.Key] = "local:" + name
		}
	}
	return nil
}

// secrets reads each build secret now (a missing file fails before anything is built);
// values go to the builder through the session only, never to logs or the image.
func (j *job) secrets(_ *model.App, fail func(string, string, ...any) error, env map[string]string) error {
	if len(j.build.Secrets) == 0 {
		return nil
	}
	m := map[string][]byte{}
	for _, s := range j.build.Secrets {
		switch {
		case s.File != "":
			data, err := os.ReadFile(s.File)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fail(s.Field, "build secret %q: file %s does not exist", s.ID, s.File)
				}
				return fail(s.Field, "build secret %q: %v", s.ID, err)
			}
			m[s.ID] = data
			j.keepSecret(string(data))
		case s.Env != "":
			v, ok := env[s.Env]
			if !ok {
				return fail(s.Field, "build secret %q: environment variable %s is not set", s.ID, s.Env)
			}
			m[s.ID] = []byte(v)
			j.keepSecret(v)
		default:
			return fail(s.Field, "build secret %q: its top-level secret has neither file nor environment (an external secret cannot be read at build time)", s.ID)
		}
	}
	j.attach = append(j.attach, secretsprovider.FromMap(m))
	return nil
}

// keepSecret remembers a secret value (and its lines) to redact from errors.
func (j *job) keepSecret(v string) {
	for _, s := range append([]string{v}, strings.Split(v, "\n")...) {
		if s = strings.TrimSpace(s); len(s) >= 4 {
			j.secretValues = append(j.secretValues, s)
		}
	}
}

// ssh forwards agent sockets or keys; "default" without a path is $SSH_AUTH_SOCK.
func (j *job) ssh(_ *model.App, fail func(string, string, ...any) error, env map[string]string) error {
	if len(j.build.SSH) == 0 {
		return nil
	}
	var confs []sshprovider.AgentConfig
	for _, s := range j.build.SSH {
		paths := s.Paths
		if len(paths) == 0 {
			sock := env["SSH_AUTH_SOCK"]
			if sock == "" {
				return fail(j.build.Field+".ssh", "ssh %q: no path and SSH_AUTH_SOCK is not set", s.ID)
			}
			paths = []string{sock}
		}
		confs = append(confs, sshprovider.AgentConfig{ID: s.ID, Paths: paths})
	}
	p, err := sshprovider.NewSSHAgentProvider(confs)
	if err != nil {
		return fail(j.build.Field+".ssh", "%v", err)
	}
	j.attach = append(j.attach, p)
	return nil
}

// mounts opens the local directories for a solve.
func (j *job) mounts() (map[string]fsutil.FS, error) {
	out := map[string]fsutil.FS{}
	for name, dir := range j.locals {
		fsys, err := fsutil.NewFS(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: service %s: %w", j.build.Field, j.service, err)
		}
		out[name] = fsys
	}
	return out, nil
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// isRemote reports a context BuildKit fetches itself: a URL or a git remote.
func isRemote(context string) bool {
	return strings.Contains(context, "://") || strings.HasPrefix(context, "git@")
}
