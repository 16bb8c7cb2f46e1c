package write

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/google/go-cmp/cmp"
)

// tree returns path → content of every regular file under dir, and path → mode.
func tree(t *testing.T, dir string) (map[string]string, map[string]fs.FileMode) {
	t.Helper()
	tree, err := golden.ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, modes := map[string]string{}, map[string]fs.FileMode{}
	for p, data := range tree {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		files[p], modes[p] = string(data), st.Mode().Perm()
	}
	return files, modes
}

func TestDirFreshAndModes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a", "out")
	files := render.Files{
		{Path: "00-namespace-x.yaml", Data: []byte("ns\n")},
		{Path: "11-secret-db.yaml", Data: []byte("secret\n"), Sensitive: true},
	}
	if err := Dir(out, files, Options{}); err != nil {
		t.Fatal(err)
	}
	got, modes := tree(t, out)
	want := map[string]string{
		"00-namespace-x.yaml": "ns\n",
		"11-secret-db.yaml":   "secret\n",
		Manifest:              manifestHeader + "00-namespace-x.yaml\n11-secret-db.yaml\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	wantModes := map[string]fs.FileMode{"00-namespace-x.yaml": 0o644, "11-secret-db.yaml": 0o600, Manifest: 0o644}
	if diff := cmp.Diff(wantModes, modes); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o755 {
		t.Errorf("dir mode %v, want 0755", st.Mode().Perm())
	}
	assertNoLeftovers(t, filepath.Dir(out))
}

func TestDirReplacesOnlyBerthFiles(t *testing.T) {
	out := t.TempDir()
	first := render.Files{{Path: "a.yaml", Data: []byte("a1")}, {Path: "b.yaml", Data: []byte("b1")}}
	if err := Dir(out, first, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	// Someone adds their own files next to berth's.
	if err := os.WriteFile(filepath.Join(out, "kustomization.yaml"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(out, "overlays", "prod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "overlays", "prod", "patch.yaml"), []byte("p"), 0o600); err != nil {
		t.Fatal(err)
	}
	second := render.Files{{Path: "a.yaml", Data: []byte("a2")}, {Path: "c.yaml", Data: []byte("c2")}}
	if err := Dir(out, second, Options{}); err != nil {
		t.Fatal(err)
	}
	got, modes := tree(t, out)
	want := map[string]string{
		"a.yaml":                   "a2",
		"c.yaml":                   "c2",
		"kustomization.yaml":       "mine",
		"overlays/prod/patch.yaml": "p",
		Manifest:                   manifestHeader + "a.yaml\nc.yaml\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if modes["overlays/prod/patch.yaml"] != 0o600 {
		t.Errorf("carried-over file lost its mode: %v", modes["overlays/prod/patch.yaml"])
	}
	assertNoLeftovers(t, filepath.Dir(out))
}

func TestDirRefusesForeignDirectory(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "main.go"), []byte("package main"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Dir(out, render.Files{{Path: "a.yaml", Data: []byte("a")}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("got %v, want a refusal that mentions --force", err)
	}
	got, _ := tree(t, out)
	if diff := cmp.Diff(map[string]string{"main.go": "package main"}, got); diff != "" {
		t.Errorf("directory changed (-want +got):\n%s", diff)
	}
	if err := Dir(out, render.Files{{Path: "main.go", Data: []byte("x")}}, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	got, _ = tree(t, out)
	if got["main.go"] != "x" {
		t.Errorf("--force did not replace main.go: %q", got["main.go"])
	}
}

func TestDirFailureKeepsPrevious(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := Dir(out, render.Files{{Path: "a.yaml", Data: []byte("a1")}}, Options{}); err != nil {
		t.Fatal(err)
	}
	bad := []render.Files{
		{{Path: "../escape.yaml", Data: []byte("x")}},
		{{Path: "/abs.yaml", Data: []byte("x")}},
		{{Path: "a.yaml"}, {Path: "a.yaml"}},
		{{Path: Manifest}},
		// A file where a directory must go: fails half way, after some files were written.
		{{Path: "b.yaml", Data: []byte("b")}, {Path: "b.yaml/c.yaml", Data: []byte("c")}},
	}
	for _, files := range bad {
		if err := Dir(out, files, Options{}); err == nil {
			t.Errorf("%v: want an error", files)
		}
	}
	got, _ := tree(t, out)
	want := map[string]string{"a.yaml": "a1", Manifest: manifestHeader + "a.yaml\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("previous output changed (-want +got):\n%s", diff)
	}
	assertNoLeftovers(t, filepath.Dir(out))
}

func TestDirTargetIsFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Dir(out, render.Files{{Path: "a.yaml"}}, Options{Force: true}); err == nil {
		t.Fatal("want an error for a target that is a file")
	}
}

func TestSwapFallback(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "who"), []byte(filepath.Base(d)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := swap(a, b); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{a: "b", b: "a"} {
		got, _ := os.ReadFile(filepath.Join(dir, "who"))
		if string(got) != want {
			t.Errorf("%s holds %q, want %q", dir, got, want)
		}
	}
}

// assertNoLeftovers checks that no temporary directories stay beside the output.
func assertNoLeftovers(t *testing.T, parent string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".berth-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("leftover temporary directories: %v", names)
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "report.md")
	for _, content := range []string{"one", "two"} {
		if err := File(p, []byte(content), FileMode); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Errorf("got %q, %v; want %q", got, err, content)
		}
	}
	if err := File(filepath.Join(dir, "sub"), []byte("x"), FileMode); err == nil {
		t.Error("want an error when the path is a directory")
	}
	assertNoLeftovers(t, filepath.Join(dir, "sub"))
}
