// Package berthexe builds the berth and berth-cluster executables once per test binary, for
// the tests that run berth as a user does: both land in one directory, as `go install
// ./cmd/...` puts them, so berth finds the executable it hands the cluster commands to.
package berthexe

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var built struct {
	once sync.Once
	dir  string
	err  error
}

// Path returns the path of berth, built with berth-cluster on the first call of the test
// binary; later calls return the same executable. Main removes it.
func Path(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			built.err = fmt.Errorf("go list -m: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "berth-exe-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/berth", "./cmd/berth-cluster")
		cmd.Dir = strings.TrimSpace(string(root))
		if b, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build ./cmd/berth ./cmd/berth-cluster: %w\n%s", err, b)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return filepath.Join(built.dir, "berth")
}

// Remove deletes the executables Path built, if it built any.
func Remove() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// Main runs the tests, then removes the executables they built: a package's TestMain is
// `os.Exit(berthexe.Main(m))`.
func Main(m *testing.M) int {
	defer Remove()
	return m.Run()
}
