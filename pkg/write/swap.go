package write

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// carryOver links (or copies) every file of old that berth did not write last time (not in
// owned) and does not write now (not in written) into dst, so the swap keeps them.
func carryOver(old, dst string, owned, written map[string]bool) error {
	return filepath.WalkDir(old, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(old, p)
		if err != nil || rel == "." {
			return err
		}
		slash := filepath.ToSlash(rel)
		target := filepath.Join(dst, rel)
		switch {
		case slash == Manifest || owned[slash] || written[slash]:
			return nil
		case d.IsDir():
			return os.MkdirAll(target, DirMode)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			return linkOrCopy(p, target)
		}
	})
}

func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), DirMode); err != nil {
		return err
	}
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// swap exchanges the directories at a and b. On Linux one renameat2(RENAME_EXCHANGE) does it
// atomically; elsewhere (or on filesystems without it) b is renamed away, a renamed in, and
// the old content ends up at a, as with the exchange.
func swap(a, b string) error {
	err := exchange(a, b)
	if err == nil {
		return nil
	}
	if !errors.Is(err, errNoExchange) {
		return fmt.Errorf("replace output: %w", err)
	}
	aside := a + ".old"
	if err := os.Rename(b, aside); err != nil {
		return fmt.Errorf("move previous output aside: %w", err)
	}
	if err := os.Rename(a, b); err != nil {
		if rerr := os.Rename(aside, b); rerr != nil {
			return fmt.Errorf("move output into place: %w (previous output left at %s: %v)", err, aside, rerr)
		}
		return fmt.Errorf("move output into place: %w", err)
	}
	return os.Rename(aside, a)
}

// errNoExchange says the platform or filesystem cannot swap two directories atomically.
var errNoExchange = errors.New("atomic exchange not supported")

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !isEINVAL(err) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
