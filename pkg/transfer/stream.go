// Package transfer is the cluster side of berth data: it copies files into a claim through a
// short-lived helper pod and streams dumps into a store's pod, both over the API server (exec),
// and proves a copy with per-file manifests (package data) computed on both sides.
package transfer

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/data"
)

// spool is how much of a file that may need no resending is held in memory before spilling to a
// temporary file.
const spool = 32 << 20

// Copied counts what a copy read and sent.
type Copied struct {
	Files, Bytes         int64 // entries and file bytes read from the source
	SentFiles, SentBytes int64 // what was sent (less than read when resuming)
	// ResentBytes are the file bytes sent again for files the target already had, but not
	// exactly (when resuming: the file a copy was interrupted in, or a changed one).
	ResentBytes int64
}

// Copy reads the tar stream src, records every entry in a manifest (file checksums computed on
// the way), and writes to dst a tar stream with numeric owners and whole-second times that
// leaves out the entries have already holds exactly (resume). Devices, FIFOs and sockets are
// skipped through warn. count, when set, sees the running totals.
func Copy(dst io.Writer, src io.Reader, have data.Manifest, warn func(string), count func(Copied)) (data.Manifest, Copied, error) {
	return copyStream(dst, src, have, warn, count, "", nil, nil)
}

// copyStream is Copy with every name (and hard link target) under prefix ("claim/"), and,
// with b, the files sent grouped into batches that the target hashes as they land; a file
// whose sum a has (hashed ahead) is sent without hashing it again.
func copyStream(dst io.Writer, src io.Reader, have data.Manifest, warn func(string), count func(Copied), prefix string, b *batcher, a *ahead) (data.Manifest, Copied, error) {
	tr := tar.NewReader(src)
	tw := tar.NewWriter(dst)
	m := data.Manifest{}
	var c Copied
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, c, fmt.Errorf("read the source tar stream: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		e, err := data.FromHeader(h)
		if err != nil {
			warn(err.Error())
			continue
		}
		if e.Path == "" { // the root directory itself
			continue
		}
		out := normal(h, e)
		out.Name = prefix + out.Name
		if out.Typeflag == tar.TypeLink {
			out.Linkname = prefix + out.Linkname
		}
		c.Files++
		sent, n, err := copyEntry(tw, tr, out, e, m, have, a)
		if err != nil {
			return m, c, err
		}
		if sent && b != nil && e.Type == 'f' && e.HardLink == "" {
			if err := b.add(tw, e); err != nil {
				return m, c, err
			}
		}
		c.Bytes += n
		if sent {
			c.SentFiles++
			if e.Type == 'f' {
				c.SentBytes += n
				if have[e.Path] != nil {
					c.ResentBytes += n
				}
			}
		}
		m.Add(e)
		if count != nil {
			count(c)
		}
	}
	if b != nil {
		if err := b.end(tw); err != nil {
			return m, c, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, c, fmt.Errorf("send: %w", err)
	}
	return m, c, nil
}

// batcher groups the files a copy sends into batches for data.VerifyScript: after a batch's
// files it puts the batch's names (N.names) and a marker (N) into the stream, and a marker
// "end" after the last batch.
type batcher struct {
	marks              string // the markers' directory in the stream's names ("tmp/.berth-push")
	maxBytes, maxNames int64  // a batch ends at this many file bytes or bytes of names

	names        []string
	bytes, nameN int64
	n            int
}

func (b *batcher) add(tw *tar.Writer, e *data.Entry) error {
	q := data.Quote("./" + e.Path)
	b.names = append(b.names, q)
	b.bytes += e.Size
	b.nameN += int64(len(q)) + 1
	if b.bytes >= b.maxBytes || b.nameN >= b.maxNames {
		return b.flush(tw)
	}
	return nil
}

func (b *batcher) flush(tw *tar.Writer) error {
	if len(b.names) == 0 {
		return nil
	}
	b.n++
	mark := strconv.Itoa(b.n)
	names := []byte(strings.Join(b.names, " "))
	if err := writeHeader(tw, &tar.Header{Name: b.marks + "/" + mark + ".names", Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(names)), Format: tar.FormatUnknown}); err != nil {
		return err
	}
	if _, err := tw.Write(names); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if err := b.marker(tw, mark); err != nil {
		return err
	}
	b.names, b.bytes, b.nameN = b.names[:0], 0, 0
	return nil
}

// end sends the last batch and the marker that says there is no other.
func (b *batcher) end(tw *tar.Writer) error {
	if err := b.flush(tw); err != nil {
		return err
	}
	return b.marker(tw, "end")
}

func (b *batcher) marker(tw *tar.Writer, name string) error {
	return writeHeader(tw, &tar.Header{Name: b.marks + "/" + name, Typeflag: tar.TypeReg, Mode: 0o600, Format: tar.FormatUnknown})
}

// normal is the header berth sends: relative name, numeric owners, whole seconds, no PAX
// times, so busybox and GNU tar extract it alike.
func normal(h *tar.Header, e *data.Entry) *tar.Header {
	out := &tar.Header{Name: e.Path, Mode: e.Mode, Uid: e.UID, Gid: e.GID, ModTime: h.ModTime.Truncate(time.Second), Format: tar.FormatUnknown}
	switch {
	case e.HardLink != "":
		out.Typeflag, out.Linkname = tar.TypeLink, e.HardLink
	case e.Type == 'd':
		out.Typeflag, out.Name = tar.TypeDir, e.Path+"/"
	case e.Type == 'l':
		out.Typeflag, out.Linkname = tar.TypeSymlink, e.Link
	default:
		out.Typeflag, out.Size = tar.TypeReg, e.Size
	}
	return out
}

// copyEntry sends one entry unless the target already holds it (sent false), hashing a
// regular file's content into e (or taking its sum from a). n is the file bytes read.
func copyEntry(tw *tar.Writer, r io.Reader, h *tar.Header, e *data.Entry, m, have data.Manifest, a *ahead) (sent bool, n int64, err error) {
	if e.Type != 'f' || e.HardLink != "" {
		if e.Type != 'd' && have != nil && equalNoSum(m, have, e) {
			return false, 0, nil
		}
		return true, 0, writeHeader(tw, h)
	}
	t := have[e.Path]
	same := t != nil && t.Type == 'f' && t.Size == e.Size && t.Mode == e.Mode && t.UID == e.UID && t.GID == e.GID && t.MTime == e.MTime
	if known, ok := a.take(e.Path); ok {
		e.SHA256 = known
		if same && known == t.SHA256 {
			return false, e.Size, nil
		}
		if err := writeHeader(tw, h); err != nil {
			return true, 0, err
		}
		n, err := io.Copy(tw, r)
		if err != nil {
			return true, n, fmt.Errorf("%s: %w", e.Path, err)
		}
		return true, n, nil
	}
	sum := sha256.New()
	if !same {
		// certainly resent: stream it
		if err := writeHeader(tw, h); err != nil {
			return true, 0, err
		}
		n, err := io.Copy(io.MultiWriter(tw, sum), r)
		if err != nil {
			return true, n, fmt.Errorf("%s: %w", e.Path, err)
		}
		e.SHA256 = hex.EncodeToString(sum.Sum(nil))
		return true, n, nil
	}
	// same size, mode, owner and time: hash first, send only if the content differs
	buf, err := newSpool()
	if err != nil {
		return false, 0, err
	}
	defer buf.close()
	n, err = io.Copy(io.MultiWriter(buf, sum), r)
	if err != nil {
		return false, n, fmt.Errorf("%s: %w", e.Path, err)
	}
	e.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if e.SHA256 == t.SHA256 {
		return false, n, nil
	}
	if err := writeHeader(tw, h); err != nil {
		return true, n, err
	}
	rd, err := buf.reader()
	if err != nil {
		return true, n, err
	}
	if _, err := io.Copy(tw, rd); err != nil {
		return true, n, fmt.Errorf("send %s: %w", e.Path, err)
	}
	return true, n, nil
}

// equalNoSum compares a link or hard link with the target (m is the source so far).
func equalNoSum(m, have data.Manifest, e *data.Entry) bool {
	src := data.Manifest{e.Path: e}
	if e.HardLink != "" {
		if o := m[e.HardLink]; o != nil {
			src[e.HardLink] = o
		}
	}
	return data.Equal(src, have, e.Path)
}

func writeHeader(tw *tar.Writer, h *tar.Header) error {
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("send %s: %w", h.Name, err)
	}
	return nil
}

// spoolBuf holds a file in memory up to spool bytes, then in a temporary file.
type spoolBuf struct {
	mem  bytes.Buffer
	file *os.File
}

func newSpool() (*spoolBuf, error) { return &spoolBuf{}, nil }

func (s *spoolBuf) Write(p []byte) (int, error) {
	if s.file == nil && s.mem.Len()+len(p) <= spool {
		return s.mem.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "berth-data-")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem.Reset()
	}
	return s.file.Write(p)
}

func (s *spoolBuf) reader() (io.Reader, error) {
	if s.file == nil {
		return &s.mem, nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.file, nil
}

func (s *spoolBuf) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
}

// ErrMismatch marks a copy whose target differs from its source after the copy.
var ErrMismatch = errors.New("checksum mismatch")
