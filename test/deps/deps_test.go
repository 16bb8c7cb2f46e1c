package deps

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// fakeDB is a package database in memory: installing a package makes its programs appear,
// and every call is logged so a test can see what happened in which order.
type fakeDB struct {
	installed map[string]bool
	programs  map[string]bool
	provides  map[string][]string // package -> programs it brings
	calls     []string
	failWith  error
}

func newFake(groups []Group, installed ...string) *fakeDB {
	f := &fakeDB{installed: map[string]bool{}, programs: map[string]bool{}, provides: map[string][]string{}}
	for _, g := range groups {
		for _, p := range g.Packages {
			f.provides[p.Name] = p.Programs
		}
	}
	for _, name := range installed {
		f.installed[name] = true
		for _, prog := range f.provides[name] {
			f.programs[prog] = true
		}
	}
	return f
}

func (f *fakeDB) Installed(name string) (bool, error) {
	f.calls = append(f.calls, "installed "+name)
	return f.installed[name], nil
}

func (f *fakeDB) Install(_ context.Context, names []string) error {
	f.calls = append(f.calls, "install "+strings.Join(names, " "))
	if f.failWith != nil {
		return f.failWith
	}
	for _, n := range names {
		f.installed[n] = true
		for _, prog := range f.provides[n] {
			f.programs[prog] = true
		}
	}
	return nil
}

func (f *fakeDB) Program(p string) bool {
	f.calls = append(f.calls, "program "+p)
	return f.programs[p]
}

// On a machine without the node's packages, Ensure installs them before it looks for any
// program they provide, in one apt-get call, and reports what it installed.
func TestEnsureInstallsBeforeCheckingPrograms(t *testing.T) {
	db := newFake(All, "iproute2", "util-linux", "mount", "dash")
	got, err := Ensure(context.Background(), db, All...)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	want := "containerd runc containernetworking-plugins iptables postgresql-15 postgresql-client-15 mariadb-server mariadb-client redis-server redis-tools nginx busybox-static netcat-openbsd chromium"
	if strings.Join(got, " ") != want {
		t.Errorf("installed %q, want %q", strings.Join(got, " "), want)
	}
	installAt, firstProgram, installs := -1, -1, 0
	for i, c := range db.calls {
		if strings.HasPrefix(c, "install ") {
			installAt = i
			installs++
		}
		if strings.HasPrefix(c, "program ") && firstProgram < 0 {
			firstProgram = i
		}
	}
	if installs != 1 {
		t.Errorf("%d apt-get installs, want 1: %v", installs, db.calls)
	}
	if installAt < 0 || firstProgram < installAt {
		t.Errorf("a program was looked for before the install (install at call %d, first program check at %d): %v", installAt, firstProgram, db.calls)
	}
	if err := Check(db, All...); err != nil {
		t.Errorf("Check after Ensure: %v", err)
	}
}

func TestEnsureNothingMissing(t *testing.T) {
	db := newFake(All, Names(All...)...)
	got, err := Ensure(context.Background(), db, All...)
	if err != nil || len(got) != 0 {
		t.Fatalf("Ensure = %v, %v; want nothing installed, no error", got, err)
	}
	for _, c := range db.calls {
		if strings.HasPrefix(c, "install ") {
			t.Errorf("installed although nothing was missing: %v", db.calls)
		}
	}
}

func TestEnsureInstallFails(t *testing.T) {
	db := newFake(All)
	db.failWith = errors.New("apt-get install: exit status 100")
	if _, err := Ensure(context.Background(), db, Node); err == nil || !strings.Contains(err.Error(), "exit status 100") {
		t.Fatalf("Ensure = %v, want the install error", err)
	}
}

// Check installs nothing; its error names every missing package and the command that
// installs them, and does not send the user to a program list first.
func TestCheckNamesPackagesAndCommand(t *testing.T) {
	db := newFake(All, "iproute2", "util-linux", "mount")
	err := Check(db, Node)
	if err == nil {
		t.Fatal("Check passed with containerd, runc, the CNI plugins and iptables missing")
	}
	msg := err.Error()
	for _, want := range []string{"containerd", "runc", "containernetworking-plugins", "iptables", "`make test-deps`", "real node"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	for _, c := range db.calls {
		if strings.HasPrefix(c, "install ") || strings.HasPrefix(c, "program ") {
			t.Errorf("Check did %q; it must only look at the package list while packages are missing", c)
		}
	}
}

// A package dpkg calls installed whose program is gone (a broken install) is reported with
// the package the program comes from.
func TestCheckMissingProgram(t *testing.T) {
	db := newFake(All, Names(Node)...)
	delete(db.programs, "/usr/sbin/runc")
	err := Check(db, Node)
	if err == nil || !strings.Contains(err.Error(), "/usr/sbin/runc (package runc)") {
		t.Fatalf("Check = %v, want the missing runc program named with its package", err)
	}
}

// The install command every message names is a real Makefile target that runs the installer.
func TestInstallCommandIsAMakeTarget(t *testing.T) {
	mk := readFile(t, "../../Makefile")
	target := strings.TrimPrefix(InstallCommand, "make ")
	if !strings.Contains(mk, "\n"+target+":") || !strings.Contains(mk, "./test/deps/install") {
		t.Fatalf("Makefile has no %q target running ./test/deps/install", target)
	}
	_, rule, _ := strings.Cut(mk, "\ntest:")
	prereqs, _, _ := strings.Cut(rule, "\n")
	if !strings.Contains(" "+prereqs+" ", " "+target+" ") || strings.Index(prereqs, target) > strings.Index(prereqs, "test-bin") {
		t.Errorf("`make test` (prerequisites %q) does not run %s before the tests", prereqs, target)
	}
}

func TestNamesNoRepeats(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range Names(All...) {
		if seen[n] {
			t.Errorf("package %s listed twice", n)
		}
		seen[n] = true
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
