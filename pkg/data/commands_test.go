package data

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpCommandsQuoteNames runs the printed dump commands (through a stand-in docker that
// runs the sh -c it is given, and stand-in tools that record their arguments) for names that
// need quotes: each tool gets the name as one argument, whatever quotes it holds.
func TestDumpCommandsQuoteNames(t *testing.T) {
	bin := t.TempDir()
	tool := "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"$OUT/argv\"\n"
	for _, name := range []string{"pg_dump", "mariadb-dump", "mongodump"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(tool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docker := "#!/bin/sh\nwhile [ \"$1\" != sh ]; do shift; done\nexec \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(docker), 0o755); err != nil {
		t.Fatal(err)
	}
	odd := `it's "my" db $x`
	for _, tc := range []struct {
		store Store
		want  string // a line of the tool's arguments
	}{
		{Store{Service: "db", Engine: Postgres, UserVar: "POSTGRES_USER", DB: odd}, odd},
		{Store{Service: "db", Engine: MySQL, DB: odd}, odd},
		{Store{Service: "db", Engine: Mongo, DB: odd}, odd},
	} {
		_, cmd := DumpCommand(func(svc string, env ...string) string { return "docker compose exec -T " + svc + " " }, tc.store)
		out := t.TempDir()
		c := exec.Command("sh", "-c", cmd)
		c.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "OUT="+out, "POSTGRES_USER=app", "MONGO_INITDB_ROOT_USERNAME=")
		if b, err := c.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s\n%s", tc.store.Engine, err, cmd, b)
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, "argv"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains("\n"+string(b), "\n"+tc.want+"\n") {
			t.Errorf("%s: the tool got\n%s\nwant the argument %q (command: %s)", tc.store.Engine, b, tc.want, cmd)
		}
	}
}
