//go:build unix

package transfer

import (
	"io/fs"
	"os"
	"syscall"
)

// statOf is what berth reads of a file beyond fs.FileInfo: owners, links, inode and the
// change time (ok false where the file system gives none).
func statOf(fi fs.FileInfo) (s fileStat, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{}, false
	}
	return fileStat{uid: int(st.Uid), gid: int(st.Gid), nlink: uint64(st.Nlink), dev: uint64(st.Dev), ino: uint64(st.Ino), ctime: changeTime(st)}, true
}

// openFile opens p for reading without blocking (a FIFO that replaced a file since the
// directory was read) and without following a link (one that did).
func openFile(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
}
