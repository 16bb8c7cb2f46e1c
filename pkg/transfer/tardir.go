package transfer

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

var timeZero time.Time

// TarDir writes dir's tree to w as a tar stream: owners, modes, symbolic links, hard links
// (a second path to a file becomes a link entry) and modification times. Devices, FIFOs and
// sockets are reported to warn and left out.
func TarDir(dir string, w io.Writer, warn func(string)) error {
	return tarDir(dir, w, warn, nil)
}

// tarDir is TarDir confirming to a the files it sends (a sum hashed ahead counts only for the
// file sent).
func tarDir(dir string, w io.Writer, warn func(string), a *ahead) error {
	tw := tar.NewWriter(w)
	type inode struct{ dev, ino uint64 }
	seen := map[inode]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		// a file is opened before its header is written, without blocking or following a link,
		// and the header is made from the open file: a path replaced by a FIFO or a link since
		// the directory was read never blocks the copy, and the header's size is the file's
		var f *os.File
		if fi.Mode().IsRegular() {
			if f, err = openFile(p); err != nil {
				return err
			}
			defer f.Close()
			if fi, err = f.Stat(); err != nil {
				return err
			}
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
			warn(fmt.Sprintf("%s: %s is not copied (not a file, directory or link)", rel, fi.Mode().Type()))
			return nil
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name, h.Uname, h.Gname = filepath.ToSlash(rel), "", ""
		h.AccessTime, h.ChangeTime, h.Format = timeZero, timeZero, tar.FormatUnknown
		h.ModTime = h.ModTime.Truncate(1e9)
		if st, ok := statOf(fi); ok {
			h.Uid, h.Gid = st.uid, st.gid
			if fi.Mode().IsRegular() && st.nlink > 1 {
				k := inode{st.dev, st.ino}
				if first, ok := seen[k]; ok {
					h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
				} else {
					seen[k] = h.Name
				}
			}
		}
		if fi.IsDir() {
			h.Name += "/"
		}
		if h.Typeflag == tar.TypeReg {
			a.confirm(h.Name, fi)
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		_, err = io.CopyN(tw, f, h.Size)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// DirSize is the bytes of the regular files under dir (for progress and ETA).
func DirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// Dir is a directory as the source of a push: the tar stream of its tree (TarDir), its size,
// and its files hashed ahead while the helper pod starts (Push does that for a Dir source).
type Dir struct {
	path  string
	pr    *io.PipeReader
	ahead *ahead
	size  func() int64
}

// OpenDir starts reading dir as a tar stream (warn as TarDir's) and walking it for its size.
func OpenDir(dir string, warn func(string)) *Dir {
	pr, pw := io.Pipe()
	d := &Dir{path: dir, pr: pr, ahead: newAhead()}
	go func() { pw.CloseWithError(tarDir(dir, pw, warn, d.ahead)) }()
	size := make(chan int64, 1)
	go func() { size <- DirSize(dir) }()
	d.size = sync.OnceValue(func() int64 { return <-size })
	return d
}

// Read reads the tree's tar stream.
func (d *Dir) Read(p []byte) (int, error) { return d.pr.Read(p) }

// Close stops the stream.
func (d *Dir) Close() error { return d.pr.Close() }

// Total is the bytes of the tree's regular files (it waits for the walk).
func (d *Dir) Total() int64 { return d.size() }
