package cluster

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/cli"
)

func TestDockerVolumeCommand(t *testing.T) {
	got := dockerVolumeCommand("shop_uploads", "busybox:1.36")
	want := []string{"docker", "run", "--rm", "-v", "shop_uploads:/v:ro", "busybox:1.36", "tar", "-c", "-C", "/v", "."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
}

// fakeDocker puts a docker on a new PATH that runs script (sh) and returns the environment.
func fakeDocker(t *testing.T, script string) []string {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + bin + ":/usr/bin:/bin"}
}

func TestFromDockerVolume(t *testing.T) {
	t.Run("no docker on PATH", func(t *testing.T) {
		o := &dataPushOptions{dockerVolume: "shop_uploads", dockerImage: "busybox:1.36"}
		_, _, _, err := o.source(cliIO([]string{"PATH=" + t.TempDir()}))
		want := "--from-docker-volume needs docker on PATH (berth runs docker run --rm -v shop_uploads:/v:ro busybox:1.36 tar -c -C /v .); without docker, copy the volume's files to a directory and pass --from DIR, or a tar of them with --from FILE.tar or --from -"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})

	t.Run("the volume's tar stream", func(t *testing.T) {
		if _, err := os.Stat("/bin/tar"); err != nil {
			t.Skip("no tar")
		}
		vol := t.TempDir()
		os.WriteFile(filepath.Join(vol, "a.txt"), []byte("a"), 0o644)
		args := filepath.Join(t.TempDir(), "args")
		// the fake docker records its arguments and plays the volume with the local tar
		env := fakeDocker(t, `echo "$@" > `+args+`; exec tar -c -C `+vol+` .`)
		o := &dataPushOptions{dockerVolume: "shop_uploads", dockerImage: "busybox:1.36"}
		r, _, closeSrc, err := o.source(cliIO(env))
		if err != nil {
			t.Fatal(err)
		}
		defer closeSrc()
		var names []string
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, h.Name)
		}
		if !slices.Contains(names, "./a.txt") {
			t.Errorf("entries %v, want ./a.txt", names)
		}
		if b, _ := os.ReadFile(args); strings.TrimSpace(string(b)) != "run --rm -v shop_uploads:/v:ro busybox:1.36 tar -c -C /v ." {
			t.Errorf("docker ran with %q", b)
		}
	})

	t.Run("docker fails: the stream fails, it does not end empty", func(t *testing.T) {
		env := fakeDocker(t, `echo "Error response from daemon: no such volume: shop_nope" >&2; exit 1`)
		o := &dataPushOptions{dockerVolume: "shop_nope", dockerImage: "busybox:1.36"}
		r, _, closeSrc, err := o.source(cliIO(env))
		if err != nil {
			t.Fatal(err)
		}
		defer closeSrc()
		_, err = io.ReadAll(r)
		if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "docker run --rm -v shop_nope:/v:ro busybox:1.36 tar -c -C /v .: exit status 1: Error response from daemon: no such volume: shop_nope") {
			t.Errorf("err = %v", err)
		}
	})
}

func cliIO(environ []string) cli.IO {
	return cli.IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Environ: environ}
}

// TestDumpRun: berth data dump --run runs the printed command with the docker on PATH and
// keeps the file only when it is a dump of the store's kind.
func TestDumpRun(t *testing.T) {
	compose, err := filepath.Abs("../testdata/plan/rules/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	run := func(env []string) (string, error) {
		var errOut strings.Builder
		cmd := newDataDump(cli.IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut, Environ: env})
		cmd.SetArgs([]string{"db", "-f", compose, "--run"})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		return errOut.String(), err
	}
	t.Run("no docker on PATH", func(t *testing.T) {
		t.Chdir(t.TempDir())
		_, err := run([]string{"PATH=" + t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "--run needs docker on PATH (berth runs: docker compose -p rules") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a PostgreSQL dump is kept", func(t *testing.T) {
		t.Chdir(t.TempDir())
		args := filepath.Join(t.TempDir(), "args")
		said, err := run(fakeDocker(t, `echo "$@" > `+args+`; printf 'PGDMP\001\016\000'`))
		if err != nil {
			t.Fatalf("%v\n%s", err, said)
		}
		if b, err := os.ReadFile("db.dump"); err != nil || !strings.HasPrefix(string(b), "PGDMP") {
			t.Errorf("db.dump = %q, %v", b, err)
		}
		if b, _ := os.ReadFile(args); !strings.Contains(string(b), "compose -p rules") || !strings.Contains(string(b), "exec -T db pg_dump") {
			t.Errorf("docker ran with %q", b)
		}
		if !strings.Contains(said, "wrote db.dump: PostgreSQL") {
			t.Errorf("berth said %q", said)
		}
	})
	for name, script := range map[string]string{
		"docker fails":           `echo "service db is not running" >&2; exit 1`,
		"not a dump of its kind": `printf 'REDIS0011'`,
	} {
		t.Run(name+": no file is left", func(t *testing.T) {
			t.Chdir(t.TempDir())
			_, err := run(fakeDocker(t, script))
			if err == nil || !strings.Contains(err.Error(), "db.dump removed") {
				t.Errorf("err = %v", err)
			}
			if _, err := os.Stat("db.dump"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("db.dump left behind: %v", err)
			}
		})
	}
}
