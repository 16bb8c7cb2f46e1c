package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/data"
)

// sendDir runs a directory source the way Push does: hashed ahead first, then streamed.
func sendDir(t *testing.T, dir string, have data.Manifest, between func(), marks ...func(*ahead)) (data.Manifest, Copied, *ahead) {
	t.Helper()
	d := OpenDir(dir, func(w string) { t.Log(w) })
	defer d.Close()
	d.ahead.hash(context.Background(), dir)
	if between != nil {
		between()
	}
	for _, mark := range marks {
		mark(d.ahead)
	}
	m, c, err := copyStream(io.Discard, d, have, func(w string) { t.Log(w) }, nil, "claim/", nil, d.ahead)
	if err != nil {
		t.Fatal(err)
	}
	return m, c, d.ahead
}

func sumOf(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestHashAhead: a directory's files hashed before the stream give the manifest the stream
// would have computed, every sum is taken once, and a file that changed after it was hashed
// is hashed again as it is sent (its new content's sum, even with its old time put back).
func TestHashAhead(t *testing.T) {
	dir := t.TempDir()
	Tree(t, dir, 40)
	plain, _, err := copyStream(io.Discard, OpenDir(dir, func(string) {}), nil, func(string) {}, nil, "claim/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _, a := sendDir(t, dir, nil, nil)
	if len(got) != len(plain) {
		t.Fatalf("hashed ahead, %d entries, want %d", len(got), len(plain))
	}
	for p, e := range plain {
		if g := got[p]; g == nil || *g != *e {
			t.Errorf("hashed ahead, %s is %+v, want %+v (as the stream computes it)", p, g, e)
		}
	}
	if len(a.sums) != 0 || len(a.confirmed) != 0 {
		t.Errorf("sums left over: %d hashed and not confirmed, %d confirmed and not taken", len(a.sums), len(a.confirmed))
	}

	// the sums hashed ahead are the ones the manifest gets (the stream does not hash again):
	// one replaced between the hash and the stream shows
	got, _, _ = sendDir(t, dir, nil, nil, func(a *ahead) {
		s := a.sums["bin/group"]
		s.sum = "marked"
		a.sums["bin/group"] = s
	})
	if got["bin/group"].SHA256 != "marked" {
		t.Errorf("bin/group's sum is %s: the stream hashed it again", got["bin/group"].SHA256)
	}

	// rewritten after the hash with the same size, its old times put back
	p := filepath.Join(dir, "many", "007", "f7.txt")
	old, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ = sendDir(t, dir, nil, func() {
		time.Sleep(10 * time.Millisecond) // a later ctime than the hash saw, on coarse clocks too
		golden.WriteFile(t, p, bytes.Repeat([]byte("Z"), int(old.Size())))
		if err := os.Chtimes(p, old.ModTime(), old.ModTime()); err != nil {
			t.Fatal(err)
		}
	})
	if want := sumOf(t, p); got["many/007/f7.txt"].SHA256 != want {
		t.Errorf("a file changed after the hash kept its old sum %s, want %s (its content as sent)", got["many/007/f7.txt"].SHA256, want)
	}
}

// TestHashAheadResume: on a resume, a file whose sum was hashed ahead and matches the claim's
// is not sent; one whose content differs is, with its new sum.
func TestHashAheadResume(t *testing.T) {
	dir := t.TempDir()
	Tree(t, dir, 10)
	have, _, _ := sendDir(t, dir, nil, nil)
	p := filepath.Join(dir, "empty")
	golden.WriteFile(t, filepath.Join(dir, "bin", "new"), []byte("new file"))
	got, c, _ := sendDir(t, dir, have, nil)
	if c.SentBytes != int64(len("new file")) || c.ResentBytes != 0 {
		t.Errorf("resume sent %d bytes (%d again), want only the new file's %d", c.SentBytes, c.ResentBytes, len("new file"))
	}
	if got["bin/new"].SHA256 != sumOf(t, filepath.Join(dir, "bin", "new")) || got["empty"].SHA256 != sumOf(t, p) {
		t.Errorf("sums on resume: %+v, %+v", got["bin/new"], got["empty"])
	}
}

// TestHashAheadNeverWaitsOnAFIFO: a path that is a FIFO when the walk opens it (replaced since
// the directory was read) is left out; the walk does not block on it (Push waits for the walk
// to stop before the stream).
func TestHashAheadNeverWaitsOnAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	a := newAhead()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// as if the FIFO had replaced a file between the walk's listing and its open
		if _, ok := a.hashFile(context.Background(), dir, fifo, make([]byte, 4096), map[[2]uint64]bool{}); ok {
			t.Error("a FIFO was hashed")
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the walk blocked opening a FIFO")
	}
}
