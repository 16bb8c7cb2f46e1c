// Package imageref names the images berth builds: the default tag (the project's git commit,
// else a digest of the build inputs) shared by berth build, berth apply --build and berth
// convert --registry, which must agree without building.
package imageref

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// DefaultTag is the tag of the images built from app when none is given: the short git
// commit of the project directory ("-dirty" when the work tree has changes), else
// "sha-" and 12 hex digits of a SHA-256 over the build inputs (each build section's
// settings and the files of its local context, in a fixed order).
func DefaultTag(ctx context.Context, app *model.App) (string, error) {
	if t, ok := gitTag(ctx, app.Dir); ok {
		return t, nil
	}
	return contentTag(app)
}

func gitTag(ctx context.Context, dir string) (string, bool) {
	git, err := exec.LookPath("git")
	if err != nil || dir == "" {
		return "", false
	}
	out, err := exec.CommandContext(ctx, git, "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "", false
	}
	tag := strings.TrimSpace(string(out))
	st, err := exec.CommandContext(ctx, git, "-C", dir, "status", "--porcelain").Output()
	if err != nil {
		return "", false
	}
	if len(strings.TrimSpace(string(st))) > 0 {
		tag += "-dirty"
	}
	return tag, true
}

// contentTag hashes what the builds read, with paths relative to the project so that the
// same project gives the same tag wherever it is checked out. Secrets are named, never read.
func contentTag(app *model.App) (string, error) {
	h := sha256.New()
	rel := func(p string) string {
		if r, err := filepath.Rel(app.Dir, p); err == nil && filepath.IsAbs(p) {
			return filepath.ToSlash(r)
		}
		return p
	}
	for _, s := range app.Services {
		for _, c := range s.Containers {
			b := c.Build
			if b == nil {
				continue
			}
			fmt.Fprintf(h, "service %q container %q\ncontext %q dockerfile %q target %q\ninline %q\n",
				s.Name, c.Name, rel(b.Context), rel(b.Dockerfile), b.Target, b.DockerfileInline)
			for _, a := range b.Args {
				fmt.Fprintf(h, "arg %q %q %v\n", a.Key, a.Value, a.Unset)
			}
			for _, l := range b.Labels {
				fmt.Fprintf(h, "label %q %q\n", l.Key, l.Value)
			}
			for _, sec := range b.Secrets {
				fmt.Fprintf(h, "secret %q\n", sec.ID)
			}
			fmt.Fprintf(h, "platforms %q no-cache %v pull %v\n", b.Platforms, b.NoCache, b.Pull)
			dirs := []string{b.Context}
			for _, kv := range b.AdditionalContexts {
				fmt.Fprintf(h, "context %q %q\n", kv.Key, rel(kv.Value))
				dirs = append(dirs, kv.Value)
			}
			if b.Dockerfile != "" && filepath.IsAbs(b.Dockerfile) {
				if err := hashFile(h, b.Dockerfile); err != nil {
					return "", fmt.Errorf("%s.dockerfile: %w", b.Field, err)
				}
			}
			for _, d := range dirs {
				if isRemote(d) || strings.Contains(d, ":") && !filepath.IsAbs(d) {
					continue // a URL, docker-image://, target: ...: not local files
				}
				if err := hashTree(h, d); err != nil {
					return "", fmt.Errorf("%s: %w", b.Field, err)
				}
			}
		}
	}
	return "sha-" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

func hashFile(h io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

// hashTree writes every entry under dir (but .git) in lexical order: path, mode, content.
func hashTree(h io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %o\n", filepath.ToSlash(rel), fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "-> %s\n", t)
		case fi.Mode().IsRegular():
			return hashFile(h, p)
		}
		return nil
	})
}

// isRemote reports a build context berth does not read: a URL or a git remote.
func isRemote(context string) bool {
	return strings.Contains(context, "://") || strings.HasPrefix(context, "git@")
}
