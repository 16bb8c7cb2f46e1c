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

// contentTag hashes what the builds read; secrets are named, never read.
func contentTag(app *model.App) (string, error) {
	h := sha256.New()
	for _, s := range app.Services {
		for _, c := range s.Containers {
			b := c.Build
			if b == nil {
				continue
			}
			fmt.Fprintf(h, "service %q container %q\n%#v\n", s.Name, c.Name, *b)
			if isRemote(b.Context) {
				continue
			}
			if err := hashTree(h, b.Context); err != nil {
				return "", fmt.Errorf("%s.context: %w", b.Field, err)
			}
		}
	}
	return "sha-" + hex.EncodeToString(h.Sum(nil))[:12], nil
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
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// isRemote reports a build context berth does not read: a URL or a git remote.
func isRemote(context string) bool {
	return strings.Contains(context, "://") || strings.HasPrefix(context, "git@")
}
