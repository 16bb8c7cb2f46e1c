package deps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// Dpkg is the machine's own package database: dpkg-query to look, apt-get (as root) to
// install. While it installs, /usr/sbin/policy-rc.d (if absent) forbids package scripts to
// start services, so no system containerd, Redis, PostgreSQL or nginx is left running; a lock
// file serialises installs from several processes.
type Dpkg struct{}

// Installed asks dpkg-query.
func (Dpkg) Installed(name string) (bool, error) {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", name).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) { // unknown package: not installed
			return false, nil
		}
		return false, fmt.Errorf("dpkg-query %s: %w", name, err)
	}
	return strings.Contains(string(out), "install ok installed"), nil
}

// Program reports whether p is an executable file (see IsProgram).
func (Dpkg) Program(p string) bool { return IsProgram(p) }

// Install runs apt-get update and apt-get install for names, as root.
func (d Dpkg) Install(ctx context.Context, names []string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("packages %s are missing and installing them needs root: run `sudo %s`", strings.Join(names, " "), InstallCommand)
	}
	lock, err := os.OpenFile("/var/lock/berth-test-apt.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("apt lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("apt lock: %w", err)
	}
	const guard = "/usr/sbin/policy-rc.d"
	if _, err := os.Lstat(guard); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(guard, []byte("#!/bin/sh\n# berth test-deps: never start services while installing\nexit 101\n"), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", guard, err)
		}
		defer os.Remove(guard)
	}
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 20))
		}
		return nil
	}
	if err := run("update"); err != nil {
		return err
	}
	return run(append([]string{"install", "-y", "--no-install-recommends"}, names...)...)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
