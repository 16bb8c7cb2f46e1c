package main

import (
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/cli/cluster"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"berth":         main,
		"berth-cluster": func() { os.Exit(cli.Main(cluster.Extension())) },
	})
}

// TestScripts runs the CLI end-to-end scripts in testdata/script: the real binary entry, exit
// codes, stdout/stderr and the files left on disk.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"perm":         cmdPerm,
			"checksecrets": cmdCheckSecrets,
		},
	})
}

// cmdPerm asserts a file's permission bits: perm FILE 0644.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := st.Mode().Perm(); (got == fs.FileMode(want)) == neg {
		ts.Fatalf("%s: mode %#o, want %s%#o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdCheckSecrets asserts that every file under DIR holding VALUE (plain or base64) is a
// Secret written 0600, that every Secret file is 0600, and that at least one holds VALUE.
func cmdCheckSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: checksecrets DIR VALUE")
	}
	value := args[1]
	b64 := base64.StdEncoding.EncodeToString([]byte(value))
	found := 0
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		text := string(data)
		isSecret := strings.Contains(text, "\nkind: Secret\n") || strings.Contains(text, "\"kind\": \"Secret\"")
		if strings.Contains(text, value) || strings.Contains(text, b64) {
			found++
			if !isSecret {
				ts.Fatalf("%s holds the secret value but is not a Secret", p)
			}
		}
		if isSecret && st.Mode().Perm() != 0o600 {
			ts.Fatalf("%s is a Secret with mode %#o, want 0600", p, st.Mode().Perm())
		}
		return nil
	})
	ts.Check(err)
	if found == 0 {
		ts.Fatalf("no file under %s holds the secret value", args[0])
	}
}
