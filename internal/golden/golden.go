// Package golden is the one golden-file helper of berth's tests: one -update flag for every
// package (`go test ./... -update` rewrites every golden file; review the diff like code) and
// the comparisons that print what differs, and the helpers that lay files out for a test
// (WriteFile, WriteTree). Only tests import it.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Update is the -update flag: tests rewrite their golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// AssertBytes compares got with the file at path, or writes it there under -update.
func AssertBytes(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		WriteFile(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to rewrite it, then review the diff):\n%s", path, FirstDiff(want, got))
	}
}

// AssertTree compares got (relative slash paths → contents) with the files under dir, or
// replaces dir's files with got under -update. Files missing from either side are errors.
func AssertTree(t testing.TB, dir string, got map[string][]byte) {
	t.Helper()
	if *Update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for p, data := range got {
			AssertBytes(t, filepath.Join(dir, filepath.FromSlash(p)), data)
		}
		return
	}
	want, err := ReadTree(dir)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inGot:
			t.Errorf("%s: in %s but not produced", p, dir)
		case !inWant:
			t.Errorf("%s: produced but not in %s (run with -update)", p, dir)
		case !bytes.Equal(w, g):
			t.Errorf("%s/%s differs (run with -update, then review the diff):\n%s", dir, p, FirstDiff(w, g))
		}
	}
}

// WriteFile writes data to path (mode 0644), creating its directory.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteTree writes files (slash paths relative to dir → contents) under dir, creating the
// directories: a test's project on disk. ReadTree reads a tree back.
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		WriteFile(t, filepath.Join(dir, filepath.FromSlash(p)), []byte(data))
	}
}

// ReadTree returns the content of every file under dir by slash path relative to dir.
func ReadTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	return files, err
}

// FirstDiff describes the first differing line of want and got, with a line of context.
func FirstDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("line %d:\n  want: %q\n   got: %q", i+1, wl, gl)
		}
	}
	return "(same lines, different bytes)"
}
