package write

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/berth-dev/berth/pkg/render"
	"golang.org/x/sys/unix"
)

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// A re-run keeps the inodes of unchanged files (hard links into the new tree) and writes
// changed ones anew; the result is the same as writing everything.
func TestDirReusesUnchangedFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	first := render.Files{
		{Path: "a.yaml", Data: []byte("a1")},
		{Path: "b.yaml", Data: []byte("b1")},
		{Path: "s.yaml", Data: []byte("s1"), Sensitive: true},
	}
	if err := Dir(out, first, Options{}); err != nil {
		t.Fatal(err)
	}
	ia, ib, is := inode(t, filepath.Join(out, "a.yaml")), inode(t, filepath.Join(out, "b.yaml")), inode(t, filepath.Join(out, "s.yaml"))
	second := render.Files{
		{Path: "a.yaml", Data: []byte("a1")},
		{Path: "b.yaml", Data: []byte("b2")},
		{Path: "s.yaml", Data: []byte("s1"), Sensitive: true},
	}
	if err := Dir(out, second, Options{}); err != nil {
		t.Fatal(err)
	}
	got, modes := tree(t, out)
	if got["a.yaml"] != "a1" || got["b.yaml"] != "b2" || got["s.yaml"] != "s1" || modes["s.yaml"] != SensitiveMode {
		t.Fatalf("tree %v modes %v", got, modes)
	}
	if inode(t, filepath.Join(out, "a.yaml")) != ia || inode(t, filepath.Join(out, "s.yaml")) != is {
		t.Error("unchanged files were written anew")
	}
	if inode(t, filepath.Join(out, "b.yaml")) == ib {
		t.Error("a changed file kept its old inode")
	}
	// The same content as a Secret no longer: the mode differs, so the file is written anew
	// with the new mode rather than linked.
	third := render.Files{{Path: "a.yaml", Data: []byte("a1")}, {Path: "s.yaml", Data: []byte("s1")}}
	if err := Dir(out, third, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, modes := tree(t, out); modes["s.yaml"] != FileMode {
		t.Errorf("s.yaml mode %v, want %v", modes["s.yaml"], FileMode)
	}
	// A file someone else also links to is not shared further.
	if err := os.Link(filepath.Join(out, "a.yaml"), filepath.Join(t.TempDir(), "elsewhere")); err != nil {
		t.Fatal(err)
	}
	ia = inode(t, filepath.Join(out, "a.yaml"))
	if err := Dir(out, render.Files{{Path: "a.yaml", Data: []byte("a1")}}, Options{}); err != nil {
		t.Fatal(err)
	}
	if inode(t, filepath.Join(out, "a.yaml")) == ia {
		t.Error("a file with another link was reused")
	}
	assertNoLeftovers(t, filepath.Dir(out))
}

// Modes are exact whatever the umask: a restrictive umask does not make output unreadable, a
// permissive one does not make Secrets readable.
func TestDirModesUnderUmask(t *testing.T) {
	for _, mask := range []int{0o077, 0o000, 0o022} {
		old := unix.Umask(mask)
		out := filepath.Join(t.TempDir(), "out")
		err := Dir(out, render.Files{{Path: "a.yaml", Data: []byte("a")}, {Path: "s.yaml", Data: []byte("s"), Sensitive: true}}, Options{})
		unix.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		if _, modes := tree(t, out); modes["a.yaml"] != FileMode || modes["s.yaml"] != SensitiveMode || modes[Manifest] != FileMode {
			t.Errorf("umask %03o: modes %v", mask, modes)
		}
	}
}
