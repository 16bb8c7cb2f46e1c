package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
)

// What is hashed ahead is bounded: the sums wait in memory for the stream, and the stream reads
// the files again, from the page cache while they are still in it.
const (
	aheadMax      = 1 << 16
	aheadMaxBytes = 1 << 30
)

// fileID is what says a file is the one that was hashed: the same inode, size, modification
// and change time (the kernel sets ctime on every write and on every change of the times, so
// content rewritten with its old mtime put back has a new one).
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

func idOf(fi fs.FileInfo) (fileID, bool) {
	st, ok := statOf(fi)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: st.dev, ino: st.ino, size: fi.Size(), mtime: fi.ModTime().UnixNano(), ctime: st.ctime}, true
}

// fileStat is what statOf reads of a file beyond fs.FileInfo (per system: stat_*.go).
type fileStat struct {
	uid, gid        int
	nlink, dev, ino uint64
	ctime           int64 // nanoseconds
}

// ahead holds SHA-256 sums of a directory's files computed before the stream starts (while
// the helper pod starts, a wait the copy cannot use), so that on a machine where the copy is
// bound by CPU (the node, the API server and berth share it on small hosts) the stream only
// reads what it sends. A sum counts only for the file TarDir then sends, unchanged (confirm):
// anything else is hashed as it is sent, as without it. All methods accept a nil *ahead.
type ahead struct {
	mu        sync.Mutex
	sums      map[string]aheadSum // by tar name ("a/b"), hashed and not yet confirmed
	confirmed map[string]string   // by tar name: the sum of the file TarDir sends
}

type aheadSum struct {
	id  fileID
	sum string
}

func newAhead() *ahead {
	return &ahead{sums: map[string]aheadSum{}, confirmed: map[string]string{}}
}

// hash walks dir in TarDir's order and hashes its regular files until ctx ends (the stream is
// about to start) or aheadMax files or aheadMaxBytes are hashed.
func (a *ahead) hash(ctx context.Context, dir string) {
	if a == nil {
		return
	}
	buf := make([]byte, 256<<10)
	seen := map[[2]uint64]bool{}
	n, bytes := 0, int64(0)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil || n >= aheadMax || bytes >= aheadMaxBytes {
			return filepath.SkipAll
		}
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if size, ok := a.hashFile(ctx, dir, p, buf, seen); ok {
			n, bytes = n+1, bytes+size
		}
		return nil
	})
}

// hashFile hashes the regular file p (under dir) and keeps its sum, unless it is the second
// path of a hard link (sent as a link, without content) or it changes while it is read.
func (a *ahead) hashFile(ctx context.Context, dir, p string, buf []byte, seen map[[2]uint64]bool) (int64, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return 0, false
	}
	// not blocking, not following: a path replaced by a FIFO or a link since the directory
	// was read is left out, never waited on (Push waits for the walk to stop)
	f, err := openFile(p)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil || !before.Mode().IsRegular() {
		return 0, false
	}
	id, ok := idOf(before)
	if !ok || seen[[2]uint64{id.dev, id.ino}] {
		return 0, false
	}
	seen[[2]uint64{id.dev, id.ino}] = true
	sum := sha256.New()
	for {
		if ctx.Err() != nil {
			return 0, false
		}
		k, err := f.Read(buf)
		sum.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, false
		}
	}
	after, err := f.Stat()
	if err != nil {
		return 0, false
	}
	if id2, _ := idOf(after); id2 != id {
		return 0, false
	}
	a.mu.Lock()
	a.sums[filepath.ToSlash(rel)] = aheadSum{id: id, sum: hex.EncodeToString(sum.Sum(nil))}
	a.mu.Unlock()
	return id.size, true
}

// confirm is TarDir's: the file named name, as fi says it is now, is about to be sent; its sum
// counts if it was hashed as exactly this file.
func (a *ahead) confirm(name string, fi fs.FileInfo) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sums[name]
	if !ok {
		return
	}
	delete(a.sums, name)
	if id, ok := idOf(fi); ok && id == s.id {
		a.confirmed[name] = s.sum
	}
}

// take is the stream's: the sum of the file named name that TarDir confirmed, once.
func (a *ahead) take(name string) (string, bool) {
	if a == nil {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.confirmed[name]
	delete(a.confirmed, name)
	return s, ok
}
