// Command pg-entrypoint is the entrypoint of the test's postgres image (Debian's PostgreSQL
// binaries). It does what the official image's docker-entrypoint.sh does for the variables
// the example uses: on an empty $PGDATA it runs initdb for POSTGRES_USER with the password
// from POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, allows password logins from the network,
// creates POSTGRES_DB and runs /docker-entrypoint-initdb.d/*.sql in it; then it runs the
// server as the postgres user, listening on all addresses.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

const (
	bin = "/usr/lib/postgresql/15/bin"
	uid = 999 // "postgres" in the image's /etc/passwd
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pg-entrypoint:", err)
		os.Exit(1)
	}
}

func run() error {
	data := env("PGDATA", "/var/lib/postgresql/data")
	for _, d := range []string{data, "/var/run/postgresql"} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		if err := os.Chown(d, uid, uid); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := initialize(data); err != nil {
			return err
		}
	}
	if err := syscall.Setgid(uid); err != nil {
		return err
	}
	if err := syscall.Setuid(uid); err != nil {
		return err
	}
	args := []string{"postgres", "-D", data, "-c", "listen_addresses=*", "-c", "jit=off"}
	return syscall.Exec(filepath.Join(bin, "postgres"), append(args, os.Args[1:]...), os.Environ())
}

func initialize(data string) error {
	user := env("POSTGRES_USER", "postgres")
	db := env("POSTGRES_DB", user)
	pw := os.Getenv("POSTGRES_PASSWORD")
	if f := os.Getenv("POSTGRES_PASSWORD_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pw = strings.TrimSpace(string(b))
	}
	if pw == "" {
		return errors.New("set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE")
	}
	pwfile := "/tmp/.pgpass-init"
	if err := os.WriteFile(pwfile, []byte(pw+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := os.Chown(pwfile, uid, uid); err != nil {
		return err
	}
	if err := asPostgres(nil, "initdb", "-D", data, "-U", user, "--pwfile="+pwfile, "-E", "UTF8",
		"--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256"); err != nil {
		return err
	}
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = hba.WriteString("host all all all scram-sha-256\n")
	hba.Close()
	if err != nil {
		return err
	}
	if db != "postgres" {
		if err := single(data, "postgres", "CREATE DATABASE \""+db+"\" OWNER \""+user+"\";\n"); err != nil {
			return err
		}
	}
	scripts, _ := filepath.Glob("/docker-entrypoint-initdb.d/*.sql")
	sort.Strings(scripts)
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			return err
		}
		fmt.Println("pg-entrypoint: running", s)
		if err := single(data, db, string(b)); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// single runs SQL in the single-user backend (-j: a statement ends at ";" + empty line).
func single(data, db, sql string) error {
	return asPostgres(strings.NewReader(sql+"\n\n"), "postgres", "--single", "-j", "-D", data, db)
}

func asPostgres(stdin *strings.Reader, name string, args ...string) error {
	cmd := exec.Command(filepath.Join(bin, name), args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
