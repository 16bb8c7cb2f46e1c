// Package write puts rendered files on disk atomically. The new output is built in a temporary
// directory beside the target and swapped in with renames, so a failed or interrupted run leaves
// the previous output intact. A manifest (.berth-manifest) lists the files berth wrote; on the
// next run only those are replaced, and files someone else put there are carried over.
package write

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/render"
)

// Manifest is the name of the file listing what berth wrote in an output directory.
const Manifest = ".berth-manifest"

const manifestHeader = "# Files written by berth; berth replaces exactly these on the next run.\n"

// File modes: world-readable output, owner-only files that hold secret data.
const (
	DirMode       fs.FileMode = 0o755
	FileMode      fs.FileMode = 0o644
	SensitiveMode fs.FileMode = 0o600
)

// Options tune Dir.
type Options struct {
	// Force writes into an existing directory that berth did not create (no manifest). Files
	// berth does not write are kept; files with the same names as berth's are replaced.
	Force bool
}

// Dir makes target hold files, atomically: the previous content berth wrote is replaced,
// other files are kept. target's parent directories are created when missing.
func Dir(target string, files render.Files, opts Options) error {
	if err := validate(files); err != nil {
		return err
	}
	target, err := resolve(target)
	if err != nil {
		return err
	}
	old, exists, err := existing(target, opts.Force)
	if err != nil {
		return err
	}
	parent, base := filepath.Split(target)
	if err := os.MkdirAll(parent, DirMode); err != nil {
		return fmt.Errorf("create output parent: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".berth-new-")
	if err != nil {
		return fmt.Errorf("create temporary output: %w", err)
	}
	if err := fill(tmp, target, files, old); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if !exists {
		if err := os.Rename(tmp, target); err != nil {
			_ = os.RemoveAll(tmp)
			return fmt.Errorf("move output into place: %w", err)
		}
		return syncDir(parent)
	}
	if err := swap(tmp, target); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	// After the swap tmp holds the previous output.
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove previous output: %w", err)
	}
	return syncDir(parent)
}

// validate rejects paths that would escape the output directory or collide with the manifest.
func validate(files render.Files) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		p := f.Path
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") ||
			strings.Contains(p, "\\") {
			return fmt.Errorf("output path %q is not a clean relative path", p)
		}
		if p == Manifest {
			return fmt.Errorf("output path %q is reserved for berth's manifest", p)
		}
		if seen[p] {
			return fmt.Errorf("output path %q is written twice", p)
		}
		seen[p] = true
	}
	return nil
}

// resolve makes target absolute and follows a symlink at target itself, so the swap replaces
// the directory the link points to rather than the link.
func resolve(target string) (string, error) {
	abs, err := filepath.Abs(target)
	if err != nil {
		return "", fmt.Errorf("output directory %s: %w", target, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if filepath.Dir(abs) == abs {
		return "", fmt.Errorf("output directory %s: refusing to replace a filesystem root", target)
	}
	return abs, nil
}

// previous describes the current content of the target: the paths berth wrote last time.
type previous struct {
	owned map[string]bool
}

// existing inspects target: whether it exists, and which of its files berth owns. A non-empty
// directory without a manifest is refused unless force.
func existing(target string, force bool) (previous, bool, error) {
	st, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return previous{}, false, nil
	}
	if err != nil {
		return previous{}, false, fmt.Errorf("output directory: %w", err)
	}
	if !st.IsDir() {
		return previous{}, false, fmt.Errorf("output %s exists and is not a directory", target)
	}
	owned, err := readManifest(filepath.Join(target, Manifest))
	if err == nil {
		return previous{owned: owned}, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return previous{}, false, err
	}
	entries, err := os.ReadDir(target)
	if err != nil {
		return previous{}, false, fmt.Errorf("output directory: %w", err)
	}
	if len(entries) > 0 && !force {
		return previous{}, false, fmt.Errorf("output directory %s is not empty and was not written by berth (no %s); use --force to write into it", target, Manifest)
	}
	return previous{owned: map[string]bool{}}, true, nil
}

func readManifest(p string) (map[string]bool, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	owned := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		owned[line] = true
	}
	return owned, nil
}

// fill writes files and the manifest into tmp and carries over the files of target that berth
// did not write.
func fill(tmp, target string, files render.Files, old previous) error {
	if err := os.Chmod(tmp, DirMode); err != nil {
		return err
	}
	written := make(map[string]bool, len(files))
	dirs := map[string]bool{}
	for _, f := range files {
		written[f.Path] = true
		if d := path.Dir(f.Path); d != "." && !dirs[d] {
			dirs[d] = true
			if err := os.MkdirAll(filepath.Join(tmp, filepath.FromSlash(d)), DirMode); err != nil {
				return err
			}
		}
	}
	// One file after another: creating files in one directory serialises on the directory's
	// lock in the kernel, so parallel writers only burn more system time (measured: about
	// twice the CPU for the same wall time on ext4).
	fixMode := umaskClears(FileMode | SensitiveMode)
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if old.owned[f.Path] && reuse(filepath.Join(target, filepath.FromSlash(f.Path)), p, f.Data, mode(f)) {
			continue
		}
		if err := writeFile(p, f.Data, mode(f), fixMode); err != nil {
			return err
		}
	}
	if old.owned != nil {
		if err := carryOver(target, tmp, old.owned, written); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(tmp, Manifest), manifest(files), FileMode, fixMode)
}

func mode(f render.File) fs.FileMode {
	if f.Sensitive {
		return SensitiveMode
	}
	return FileMode
}

func manifest(files render.Files) []byte {
	paths := make([]string, 0, len(files))
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	var b bytes.Buffer
	b.WriteString(manifestHeader)
	for _, p := range paths {
		b.WriteString(p)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeFile creates p (its directory exists) with exactly perm, whatever the umask says: the
// mode is given at creation, so a file is never more permissive than perm, and fixMode adds the
// bits the umask removed. Files are not fsynced one by one: the guarantee is against a failed
// or interrupted run (the rename publishes a complete tree or nothing), not against power
// loss, like kubectl and helm.
func writeFile(p string, data []byte, perm fs.FileMode, fixMode bool) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if fixMode {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// reuse hard-links the previous run's file at old to p when it already holds exactly data
// with mode perm, is owned by this user and has no other links. A re-run that changes little
// then creates (and later deletes) few inodes, which on some filesystems costs far more than
// reading the old file. The old file is never modified, so the previous output stays intact
// until the swap.
func reuse(old, p string, data []byte, perm fs.FileMode) bool {
	if !sameContent(old, data, perm) {
		return false
	}
	return os.Link(old, p) == nil
}
