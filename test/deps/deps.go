// Package deps is the one list of the Debian packages berth's tests need, and the preflight
// that installs them (`make test-deps`, as root, before any test runs) or checks them (the
// tests themselves, which never install anything).
//
// Each package names the programs the tests run from it, so a check can say which package a
// missing program comes from, and the installer can prove that what it installed provides them.
package deps

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// InstallCommand is what a user runs to install every package listed here. Every message
// that reports a missing package or program names it.
const InstallCommand = "make test-deps"

// Package is one Debian package and the programs (absolute paths, or names looked up on
// PATH) the tests run from it.
type Package struct {
	Name     string
	Programs []string
}

// Group is a set of packages one kind of test needs.
type Group struct {
	Name     string
	Packages []Package
}

// Node is what a real node (test/cluster/realnode) runs: containerd, runc, the CNI plugins,
// iptables for kube-proxy, and the namespace and mount tools.
var Node = Group{Name: "real node", Packages: []Package{
	{"containerd", []string{"/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2"}},
	{"runc", []string{"/usr/sbin/runc"}},
	{"containernetworking-plugins", []string{"/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback"}},
	{"iptables", []string{"iptables"}},
	{"iproute2", []string{"ip"}},
	{"util-linux", []string{"nsenter"}},
	{"mount", []string{"mount"}},
}}

// Images are the packages whose programs the real-node images of examples/shop's
// dependencies are assembled from (test/realnode: Postgres and its client tools, MariaDB, Redis,
// nginx, busybox, nc, sh).
var Images = Group{Name: "real-node images", Packages: []Package{
	{"postgresql-15", []string{"/usr/lib/postgresql/15/bin/postgres"}},
	// the store's own dump and restore tools, which berth data restore runs in the pod
	{"postgresql-client-15", []string{"/usr/lib/postgresql/15/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_restore", "/usr/lib/postgresql/15/bin/psql"}},
	// MariaDB, whose image stands in for mariadb:11 (berth data restore of a mysqldump file)
	{"mariadb-server", []string{"/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db"}},
	{"mariadb-client", []string{"/usr/bin/mariadb", "/usr/bin/mariadb-dump"}},
	{"redis-server", []string{"/usr/bin/redis-server"}},
	{"redis-tools", []string{"/usr/bin/redis-cli"}},
	{"nginx", []string{"/usr/sbin/nginx"}},
	{"busybox-static", []string{"/bin/busybox"}},
	{"netcat-openbsd", []string{"/bin/nc.openbsd"}},
	{"dash", []string{"/bin/dash"}},
}}

// Browser is what the HTML report tests (test/browser) drive; playwright-core comes from npm
// (test/browser/install.sh).
var Browser = Group{Name: "browser tests", Packages: []Package{
	{"chromium", []string{"chromium"}},
}}

// All is every group `make test-deps` installs, in install order.
var All = []Group{Node, Images, Browser}

// Names returns the package names of the groups, in order, without repeats.
func Names(groups ...Group) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, p := range g.Packages {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p.Name)
			}
		}
	}
	return out
}

// DB is the package database: what is installed, and a way to install more.
type DB interface {
	// Installed reports whether package name is installed.
	Installed(name string) (bool, error)
	// Install installs the named packages.
	Install(ctx context.Context, names []string) error
	// Program reports whether a program (an absolute path, or a name on PATH) is present
	// and executable.
	Program(p string) bool
}

// Missing returns the packages of groups that db says are not installed.
func Missing(db DB, groups ...Group) ([]string, error) {
	var missing []string
	for _, name := range Names(groups...) {
		ok, err := db.Installed(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// Check returns nil when every package of groups is installed and provides its programs;
// else an error naming each missing package (and program) and the command that installs them.
// It installs nothing.
func Check(db DB, groups ...Group) error {
	missing, err := Missing(db, groups...)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing Debian packages %s (needed by the %s tests): install them with `%s` (as root)",
			strings.Join(missing, " "), groupNames(groups), InstallCommand)
	}
	return checkPrograms(db, groups)
}

// Ensure installs the packages of groups that are missing, then checks that every program
// they provide is present. It returns the packages it installed (none when all were there).
func Ensure(ctx context.Context, db DB, groups ...Group) ([]string, error) {
	missing, err := Missing(db, groups...)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		if err := db.Install(ctx, missing); err != nil {
			return nil, err
		}
		if still, err := Missing(db, groups...); err != nil {
			return missing, err
		} else if len(still) > 0 {
			return missing, fmt.Errorf("installed %s, but %s still not installed", strings.Join(missing, " "), strings.Join(still, " "))
		}
	}
	return missing, checkPrograms(db, groups)
}

func checkPrograms(db DB, groups []Group) error {
	var bad []string
	for _, g := range groups {
		for _, p := range g.Packages {
			for _, prog := range p.Programs {
				if !db.Program(prog) {
					bad = append(bad, fmt.Sprintf("%s (package %s)", prog, p.Name))
				}
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("missing programs %s although their packages are installed: reinstall them with `apt-get install --reinstall` (as root)", strings.Join(bad, ", "))
}

func groupNames(groups []Group) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

// IsProgram reports whether p (an absolute path, or a name looked up on PATH) is an
// executable file.
func IsProgram(p string) bool {
	if !filepath.IsAbs(p) {
		_, err := exec.LookPath(p)
		return err == nil
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
