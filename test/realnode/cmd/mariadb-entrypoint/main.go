// Command mariadb-entrypoint is the entrypoint of the test's mariadb image (Debian's MariaDB
// binaries). It does what the official image's docker-entrypoint.sh does for the variables
// the tests use: on an empty /var/lib/mysql it creates the system tables (as
// mariadb-install-db does: the distribution's SQL through mariadbd --bootstrap), sets the
// root password from MARIADB_ROOT_PASSWORD (or MYSQL_, or their _FILE variants) for
// root@localhost and root@'%', drops the other root accounts, and creates MARIADB_DATABASE
// and MARIADB_USER with MARIADB_PASSWORD (or the MYSQL_ names); then it runs mariadbd, which
// drops to the mysql user, listening on every address.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	data  = "/var/lib/mysql"
	share = "/usr/share/mysql"
	uid   = 999 // "mysql" in the image's /etc/passwd
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mariadb-entrypoint:", err)
		os.Exit(1)
	}
}

func run() error {
	for _, d := range []string{data, "/run/mysqld"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Chown(d, uid, uid); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(data, "mysql")); errors.Is(err, os.ErrNotExist) {
		if err := initialize(); err != nil {
			return err
		}
	}
	args := []string{"mariadbd", "--no-defaults", "--user=mysql", "--datadir=" + data, "--bind-address=*", "--skip-name-resolve"}
	return syscall.Exec("/usr/sbin/mariadbd", append(args, os.Args[1:]...), os.Environ())
}

func initialize() error {
	root, err := secret("ROOT_PASSWORD")
	if err != nil {
		return err
	}
	if root == "" {
		return errors.New("set MARIADB_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD (or a _FILE variant)")
	}
	var sql strings.Builder
	sql.WriteString("create database if not exists mysql;\nuse mysql;\nSET @auth_root_socket=NULL;\n")
	for _, f := range []string{"mysql_system_tables.sql", "mysql_performance_tables.sql", "mysql_system_tables_data.sql"} {
		b, err := os.ReadFile(filepath.Join(share, f))
		if err != nil {
			return err
		}
		sql.Write(b)
		sql.WriteString("\n")
	}
	// one statement a line: --bootstrap reads lines
	fmt.Fprintf(&sql, "FLUSH PRIVILEGES;\nDELETE FROM mysql.global_priv WHERE User='root' AND Host NOT IN ('localhost');\nFLUSH PRIVILEGES;\n")
	fmt.Fprintf(&sql, "ALTER USER root@localhost IDENTIFIED BY %s;\nCREATE USER root@'%%' IDENTIFIED BY %s;\nGRANT ALL ON *.* TO root@'%%' WITH GRANT OPTION;\n", lit(root), lit(root))
	if db := env("DATABASE"); db != "" {
		fmt.Fprintf(&sql, "CREATE DATABASE `%s`;\n", db)
		if user := env("USER"); user != "" {
			pw, err := secret("PASSWORD")
			if err != nil {
				return err
			}
			fmt.Fprintf(&sql, "CREATE USER %s@'%%' IDENTIFIED BY %s;\nGRANT ALL ON `%s`.* TO %s@'%%';\n", lit(user), lit(pw), db, lit(user))
		}
	}
	cmd := exec.Command("/usr/sbin/mariadbd", "--no-defaults", "--bootstrap", "--user=mysql", "--datadir="+data,
		"--log-warnings=0", "--enforce-storage-engine=", "--max_allowed_packet=8M", "--net_buffer_length=16K")
	cmd.Stdin = strings.NewReader(sql.String())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mariadbd --bootstrap: %w", err)
	}
	fmt.Println("mariadb-entrypoint: system tables, root and database created")
	return nil
}

// env is MARIADB_name, else MYSQL_name.
func env(name string) string {
	if v := os.Getenv("MARIADB_" + name); v != "" {
		return v
	}
	return os.Getenv("MYSQL_" + name)
}

// secret is env(name), else the content of the file env(name+"_FILE") names.
func secret(name string) (string, error) {
	if v := env(name); v != "" {
		return v, nil
	}
	if f := env(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		return strings.TrimSpace(string(b)), err
	}
	return "", nil
}

// lit is s as an SQL string literal.
func lit(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
