package data

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v2"
)

// fakeMongoTool is a stand-in for mongodump and mongorestore: --help lists --config unless
// $OLD is set (database tools before 100.3.0), and a run records its arguments, the content,
// mode and path of the file --config names, and its stdin, then prints "ARCHIVE".
const fakeMongoTool = `#!/bin/sh
if [ "$1" = --help ]; then
	echo "usage: $(basename "$0") <options>"
	[ -n "$OLD" ] || echo "  --config=<filename>   path to a configuration file"
	exit 0
fi
printf '%s\n' "$@" >"$OUT/argv"
while [ $# -gt 0 ]; do
	if [ "$1" = --config ]; then
		cp "$2" "$OUT/config"
		stat -c %a "$2" >"$OUT/mode"
		echo "$2" >"$OUT/path"
	fi
	shift
done
cat >"$OUT/stdin"
echo ARCHIVE
`

// TestMongoPasswordNeverOnCommandLine runs the restore script and the printed dump command
// (through a stand-in docker that runs the sh -c it is given) with stand-in tools: the password
// reaches the tool in a --config file of mode 600 that YAML reads back as exactly the password,
// never in its arguments, and the file is gone afterwards; stdin and stdout pass through; no
// user means no authentication; a tool without --config is refused before it runs.
func TestMongoPasswordNeverOnCommandLine(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"mongodump", "mongorestore"} {
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(fakeMongoTool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docker := "#!/bin/sh\nwhile [ \"$1\" != sh ]; do shift; done\nexec \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(docker), 0o755); err != nil {
		t.Fatal(err)
	}
	store := Store{Service: "mongo", Engine: Mongo, DB: "app"}
	restore, err := RestoreScript(store, "MongoDB archive", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, dump := DumpCommand(func(svc string, env ...string) string { return "docker compose exec -T " + svc + " " }, store)
	scripts := map[string][]string{
		"restore": {"sh", "-c", restore},
		"dump":    {"sh", "-c", dump},
	}
	shells := []string{"sh"}
	if _, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, "bash")
	}
	passwords := []string{"s3cret-Pass", ` lead'ing "quo#tes": \back $x %s|2-`, "tab\there"}
	for name, argv := range scripts {
		for _, shell := range shells {
			for _, pw := range passwords {
				out := t.TempDir()
				cmd := exec.Command(shell, argv[1:]...)
				cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "OUT="+out,
					"MONGO_INITDB_ROOT_USERNAME=root", "MONGO_INITDB_ROOT_PASSWORD="+pw)
				cmd.Stdin = strings.NewReader("the dump")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%s (%s, password %q): %v\n%s", name, shell, pw, err, stderr.String())
				}
				args := read(t, out, "argv")
				if strings.Contains(args, pw) {
					t.Errorf("%s (%s): the password stands in the tool's arguments:\n%s", name, shell, args)
				}
				if !strings.Contains(args, "--username\nroot\n") || !strings.Contains(args, "--archive\n") {
					t.Errorf("%s (%s): arguments %q, want --archive and --username root", name, shell, args)
				}
				var cfg map[string]string
				if err := yaml.Unmarshal([]byte(read(t, out, "config")), &cfg); err != nil || cfg["password"] != pw || len(cfg) != 1 {
					t.Errorf("%s (%s): --config reads as %q (%v), want only the password %q", name, shell, cfg, err, pw)
				}
				if mode := strings.TrimSpace(read(t, out, "mode")); mode != "600" {
					t.Errorf("%s (%s): --config file mode %s, want 600", name, shell, mode)
				}
				if _, err := os.Stat(strings.TrimSpace(read(t, out, "path"))); !os.IsNotExist(err) {
					t.Errorf("%s (%s): the --config file is left behind (%v)", name, shell, err)
				}
				if got := read(t, out, "stdin"); got != "the dump" || stdout.String() != "ARCHIVE\n" {
					t.Errorf("%s (%s): stdin %q, stdout %q; want them passed through", name, shell, got, stdout.String())
				}
			}
		}
	}
	// no root user: no authentication, no file
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", restore)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "OUT="+out, "MONGO_INITDB_ROOT_USERNAME=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("restore without a user: %v\n%s", err, b)
	}
	if args := read(t, out, "argv"); args != "--archive\n--drop\n" {
		t.Errorf("restore without a user: arguments %q, want --archive --drop only", args)
	}
	// database tools before 100.3.0: refused before the tool runs
	out = t.TempDir()
	cmd = exec.Command("sh", "-c", restore)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "OUT="+out, "OLD=1",
		"MONGO_INITDB_ROOT_USERNAME=root", "MONGO_INITDB_ROOT_PASSWORD=s3cret-Pass")
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "has no --config (MongoDB database tools before 100.3.0)") {
		t.Errorf("restore with an old tool: %v, %q; want a refusal", err, b)
	}
	if _, err := os.Stat(filepath.Join(out, "argv")); !os.IsNotExist(err) {
		t.Errorf("restore with an old tool: the tool ran")
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
