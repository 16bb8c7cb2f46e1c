package data

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeMySQLTool stands in for mariadb-dump and mariadb: it records its arguments and the
// password the environment gives it.
const fakeMySQLTool = `#!/bin/sh
printf '%s\n' "$@" >"$OUT/argv"
printf '%s' "$MYSQL_PWD" >"$OUT/pwd"
`

// TestMySQLAccount runs the dump command and the restore script with stand-in clients under
// the environments the official images take: root with its password when the container has
// one (from a variable or a _FILE), else the user the image creates (a random or hashed root
// password: Akaunting, LibreNMS), root without a password where an empty one is allowed. The
// password is in MYSQL_PWD, never in the arguments.
func TestMySQLAccount(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"mariadb-dump", "mariadb"} {
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(fakeMySQLTool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docker := "#!/bin/sh\nwhile [ \"$1\" != sh ]; do shift; done\nexec \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(docker), 0o755); err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	userFile, pwFile := filepath.Join(files, "user"), filepath.Join(files, "pw")
	if err := os.WriteFile(userFile, []byte("app2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pwFile, []byte("s3cret file"), 0o600); err != nil {
		t.Fatal(err)
	}
	store := Store{Service: "db", Engine: MySQL, DB: "app"}
	_, dump := DumpCommand(func(svc string, env ...string) string { return "docker compose exec -T " + svc + " " }, store)
	restore, err := RestoreScript(store, "MySQL/MariaDB SQL", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      []string
		user, pw string
	}{
		{"root", []string{"MYSQL_ROOT_PASSWORD=r00t", "MYSQL_USER=app", "MYSQL_PASSWORD=pw"}, "root", "r00t"},
		{"root file", []string{"MARIADB_ROOT_PASSWORD_FILE=" + pwFile, "MARIADB_USER=app"}, "root", "s3cret file"},
		{"random root", []string{"MARIADB_RANDOM_ROOT_PASSWORD=yes", "MARIADB_USER=app", "MARIADB_PASSWORD=p w"}, "app", "p w"},
		{"random root, files", []string{"MYSQL_RANDOM_ROOT_PASSWORD=1", "MYSQL_USER_FILE=" + userFile, "MYSQL_PASSWORD_FILE=" + pwFile}, "app2", "s3cret file"},
		{"empty root allowed", []string{"MYSQL_ALLOW_EMPTY_PASSWORD=yes", "MYSQL_USER=app", "MYSQL_PASSWORD=pw"}, "root", ""},
	} {
		for script, code := range map[string]string{"dump": dump, "restore": restore} {
			out := t.TempDir()
			c := exec.Command("sh", "-c", code)
			c.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "OUT=" + out}, tc.env...)
			if b, err := c.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", tc.name, script, err, b)
			}
			argv, _ := os.ReadFile(filepath.Join(out, "argv"))
			pwd, _ := os.ReadFile(filepath.Join(out, "pwd"))
			args := strings.Split(strings.TrimSpace(string(argv)), "\n")
			if !slices.Contains(args, "-u"+tc.user) || string(pwd) != tc.pw {
				t.Errorf("%s %s: arguments %q, MYSQL_PWD %q: want -u%s and %q", tc.name, script, args, pwd, tc.user, tc.pw)
			}
			if tc.pw != "" && strings.Contains(string(argv), tc.pw) {
				t.Errorf("%s %s: the password is in the arguments %q", tc.name, script, args)
			}
		}
	}
}
