package transfer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/data"
)

// Tree writes a test tree under dir: nested directories, files with odd modes and owners
// (setuid, setgid, sticky, 0600, 0000; uids 0, 1000, 70000 when root), symbolic links
// (relative, absolute, dangling, to a directory), hard links, an empty file, a name with
// spaces and quotes, and n small files.
func Tree(t testing.TB, dir string, n int) {
	t.Helper()
	root := os.Geteuid() == 0
	write := func(rel, content string, mode os.FileMode, uid, gid int) {
		p := filepath.Join(dir, rel)
		golden.WriteFile(t, p, []byte(content))
		if root {
			if err := os.Lchown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		if err := syscall.Chmod(p, uint32(mode)); err != nil { // raw bits: os.Chmod would drop 04000, 02000, 01000
			t.Fatal(err)
		}
		mt := time.Unix(1700000000+int64(len(rel)), 0)
		os.Chtimes(p, mt, mt)
	}
	write("bin/tool", "#!/bin/sh\necho hi\n", 0o4755, 0, 0)
	write("bin/group", "g", 0o2750, 1000, 50)
	write("private/key", "secret", 0o600, 70000, 70000)
	write("private/none", "x", 0, 1000, 1000)
	write("empty", "", 0o644, 0, 0)
	write("odd name 'q' \"dq\"", "odd", 0o640, 1000, 1000)
	for i := 0; i < n; i++ {
		write(fmt.Sprintf("many/%03d/f%d.txt", i%50, i), fmt.Sprintf("file %d\n", i), 0o644, 1000, 1000)
	}
	for _, l := range [][2]string{{"bin/tool", "links/hard1"}, {"bin/tool", "links/hard2"}} {
		os.MkdirAll(filepath.Join(dir, "links"), 0o755)
		if err := os.Link(filepath.Join(dir, l[0]), filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][2]string{{"../bin/tool", "links/rel"}, {"/etc/passwd", "links/abs"}, {"nowhere", "links/dangling"}, {"../many", "links/dir"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	sticky := filepath.Join(dir, "shared")
	os.Mkdir(sticky, 0o755)
	syscall.Chmod(sticky, 0o1777)
}

// listLocal runs data.ListScript on this machine (GNU find, stat, sha256sum): the same
// script the helper pod runs.
func listLocal(t *testing.T, dir string) data.Manifest {
	t.Helper()
	out, err := exec.Command("sh", "-c", data.ListScript(dir)).Output()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	m, err := data.ParseList(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func extract(t *testing.T, dir string, stream []byte) {
	t.Helper()
	cmd := exec.Command(tarCmd[0], append(tarCmd[1:], "-xf", "-", "-C", dir, "--numeric-owner")...)
	cmd.Stdin = bytes.NewReader(stream)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
}

// TestCopyRoundTrip copies a tree the way berth data push does (TarDir, Copy, tar -x on the
// other side) and checks the manifests the two sides compute are equal; then that a resume
// sends nothing of an exact copy, and only what changed after a partial one.
func TestCopyRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar")
	}
	src, dst := t.TempDir(), t.TempDir()
	Tree(t, src, 300)
	push := func(have data.Manifest) (data.Manifest, Copied, []byte) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(TarDir(src, pw, func(w string) { t.Log(w) })) }()
		var out bytes.Buffer
		m, c, err := Copy(&out, pr, have, func(w string) { t.Error(w) }, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m, c, out.Bytes()
	}
	m, c, stream := push(nil)
	extract(t, dst, stream)
	if diff := data.Compare(m, listLocal(t, dst)); len(diff) > 0 {
		t.Fatalf("the copy differs from its source: %v", diff)
	}
	if c.Files < 300 || c.SentFiles != c.Files {
		t.Errorf("first copy: %+v", c)
	}
	for p, want := range map[string]int64{"bin/tool": 0o4755, "bin/group": 0o2750, "shared": 0o1777, "private/none": 0} {
		if m[p] == nil || m[p].Mode != want {
			t.Errorf("%s: source mode %o, want %o", p, m[p].Mode, want)
		}
	}
	// the sender's manifest is the tree's own
	if diff := data.Compare(m, listLocal(t, src)); len(diff) > 0 {
		t.Errorf("the source manifest differs from the source tree: %v", diff)
	}

	_, again, stream := push(listLocal(t, dst))
	dirs := int64(0)
	for _, e := range m {
		if e.Type == 'd' {
			dirs++
		}
	}
	if again.SentBytes != 0 || again.SentFiles != dirs { // directories are always resent: headers only
		t.Errorf("resume of an exact copy sent %d entries (%d directories), %d bytes", again.SentFiles, dirs, again.SentBytes)
	}
	extract(t, dst, stream)

	// a half-written copy: one file truncated, one removed, one hard link broken
	os.Truncate(filepath.Join(dst, "many/007/f7.txt"), 2)
	os.Remove(filepath.Join(dst, "many/008/f8.txt"))
	os.Remove(filepath.Join(dst, "links/hard2"))
	os.WriteFile(filepath.Join(dst, "links/hard2"), []byte("#!/bin/sh\necho hi\n"), 0o4755)
	if diff := data.Compare(m, listLocal(t, dst)); len(diff) != 3 {
		t.Errorf("the damaged copy shows %d differences, want 3: %v", len(diff), diff)
	}
	_, resumed, stream := push(listLocal(t, dst))
	extract(t, dst, stream)
	if diff := data.Compare(m, listLocal(t, dst)); len(diff) > 0 {
		t.Fatalf("after the resume the copy differs: %v", diff)
	}
	if resumed.SentBytes > 64 {
		t.Errorf("the resume sent %d bytes for two small files and a link", resumed.SentBytes)
	}
	if want := int64(len("file 7\n")); resumed.ResentBytes != want { // the truncated file; the removed one was not there
		t.Errorf("the resume resent %d bytes of files the copy had, want %d (the truncated file)", resumed.ResentBytes, want)
	}
}

// tarCmd extracts on the target side: BERTH_TEST_TAR="busybox tar" runs busybox's, as the
// helper pod does.
var tarCmd = strings.Fields(envOr("BERTH_TEST_TAR", "tar"))

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
