package data

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEngineOf(t *testing.T) {
	for image, want := range map[string]Engine{
		"postgres:16-alpine": Postgres, "docker.io/postgis/postgis:16-3.4": Postgres, "pgvector/pgvector:pg16": Postgres,
		"mysql:8": MySQL, "mariadb:11@sha256:abc": MySQL, "redis:7": Redis,
		"valkey/valkey:8": Redis, "mongo:7": Mongo, "registry:5000/app/files:1": Files,
		"rabbitmq:3": Files,
	} {
		if got := EngineOf(image); got != want {
			t.Errorf("EngineOf(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		e              Engine
		target, pgdata string
		want           bool
	}{
		{Postgres, "/var/lib/postgresql/data", "", true},
		{Postgres, "/var/lib/postgresql", "", true},
		{Postgres, "/pg", "/pg/data", true},
		{Postgres, "/docker-entrypoint-initdb.d", "", false},
		{Redis, "/data", "", true},
		{Redis, "/usr/local/etc/redis", "", false},
		{Mongo, "/data/db", "", true},
		{Mongo, "/data", "", true},
		{MySQL, "/var/lib/mysql-files", "", false},
	} {
		if got := c.e.covers(c.target, c.pgdata); got != c.want {
			t.Errorf("%s covers %s (PGDATA %q) = %v, want %v", c.e, c.target, c.pgdata, got, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for head, want := range map[string]Engine{
		"PGDMP\x01\x0e":                       Postgres,
		"--\n-- PostgreSQL database dump\n--": Postgres,
		"REDIS0010\xfa":                       Redis,
		"*2\r\n$6\r\nSELECT\r\n":              Redis,
		"\x6d\xe2\x99\x81\x01\x00":            Mongo,
		"-- MySQL dump 10.13  Distrib 8.0":    MySQL,
		"/*!999999\\- enable the sandbox mode */\n-- MariaDB dump 10.19": MySQL,
		"ustar\x00": Files,
	} {
		if got, _ := Sniff([]byte(head)); got != want {
			t.Errorf("Sniff(%q) = %s, want %s", head, got, want)
		}
	}
}

func TestParseListAndCompare(t *testing.T) {
	// what ListScript prints for: a dir, a file, its hard link, a symlink, lost+found
	out := `#stat
41ed 0 0 4096 1700000000 2 ./sub
81a4 1000 1000 3 1700000001 11 ./sub/a
81a4 1000 1000 3 1700000001 11 ./sub/b
a1ff 0 0 1 1700000002 12 ./link
41c0 0 0 4096 1 13 ./lost+found
#sum
ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ./sub/a
ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ./sub/b
#link
./link	sub/a
`
	target, err := ParseList(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"link", "sub", "sub/a", "sub/b"}, target.Paths()); diff != "" {
		t.Fatalf("paths (-want +got):\n%s", diff)
	}
	src := Manifest{}
	mtime := time.Unix(1700000001, 0)
	for _, h := range []*tar.Header{
		{Name: "./sub/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./sub/a", Typeflag: tar.TypeReg, Mode: 0o644, Uid: 1000, Gid: 1000, Size: 3, ModTime: mtime},
		{Name: "./sub/b", Typeflag: tar.TypeLink, Linkname: "./sub/a"},
		{Name: "./link", Typeflag: tar.TypeSymlink, Linkname: "sub/a", Mode: 0o777},
	} {
		e, err := FromHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == 'f' && e.HardLink == "" {
			e.SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // sha256("abc")
		}
		src.Add(e)
	}
	if m := Compare(src, target); len(m) != 0 {
		t.Fatalf("an exact copy differs: %v", m)
	}
	// each kind of difference is found
	for name, edit := range map[string]func(m Manifest){
		"mode":      func(m Manifest) { m["sub/a"].Mode = 0o600 },
		"owner":     func(m Manifest) { m["sub/a"].UID = 0 },
		"checksum":  func(m Manifest) { m["sub/a"].SHA256 = "00" },
		"mtime":     func(m Manifest) { m["sub/a"].MTime++ },
		"link":      func(m Manifest) { m["link"].Link = "elsewhere" },
		"hard link": func(m Manifest) { m["sub/b"].Inode = 99 },
		"missing":   func(m Manifest) { delete(m, "sub/b") },
		"extra":     func(m Manifest) { m.Add(&Entry{Path: "new", Type: 'f'}) },
		"type":      func(m Manifest) { m["link"].Type = 'f' },
	} {
		copied, _ := ParseList(strings.NewReader(out))
		edit(copied)
		if m := Compare(src, copied); len(m) == 0 {
			t.Errorf("%s: Compare found no difference", name)
		}
	}
}

func TestFromHeaderRefuses(t *testing.T) {
	for _, h := range []*tar.Header{
		{Name: "dev/null", Typeflag: tar.TypeChar},
		{Name: "fifo", Typeflag: tar.TypeFifo},
		{Name: "a\nb", Typeflag: tar.TypeReg},
	} {
		if _, err := FromHeader(h); err == nil {
			t.Errorf("%q (type %q) accepted", h.Name, h.Typeflag)
		}
	}
}

func TestRestoreScriptCredentials(t *testing.T) {
	s := Store{Service: "cache", Engine: Redis, PasswordVar: "REDIS_PASSWORD"}
	got, err := RestoreScript(s, "a Redis RDB file", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `export REDISCLI_AUTH="$REDIS_PASSWORD"`) || strings.Contains(got, "-a ") {
		t.Errorf("the Redis restore does not read its password from the environment:\n%s", got)
	}
	pg, _ := RestoreScript(Store{Service: "db", Engine: Postgres, User: "shop", DBVar: "POSTGRES_DB"}, "a PostgreSQL custom-format dump (pg_dump -Fc)", 0)
	if !strings.Contains(pg, `pg_restore -U shop -d "$POSTGRES_DB" --clean --if-exists --no-owner --single-transaction`) {
		t.Errorf("pg_restore line: %s", pg)
	}
	if _, err := RestoreScript(Store{Service: "web", Engine: Files}, "", 0); err == nil {
		t.Error("a restore into a service that is no store succeeded")
	}
}

// TestVerifyScriptAfterTheStream runs VerifyScript where the stream has already ended (every
// batch and the end marker are there when it starts), the way it finds a node whose hashing
// lags behind tar: it hashes the batches left several at a time and prints them in order,
// and it fails when a batch's file cannot be read.
func TestVerifyScriptAfterTheStream(t *testing.T) {
	dir, marks := t.TempDir(), t.TempDir()
	want := map[string]string{}
	for b := 1; b <= 5; b++ {
		var names []string
		for f := 0; f < 3; f++ {
			name := fmt.Sprintf("b%d-f%d", b, f)
			content := []byte(strings.Repeat(name, 1000*b))
			if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(content)
			want[name] = hex.EncodeToString(sum[:])
			names = append(names, Quote("./"+name))
		}
		os.WriteFile(filepath.Join(marks, fmt.Sprintf("%d.names", b)), []byte(strings.Join(names, " ")), 0o600)
		os.WriteFile(filepath.Join(marks, strconv.Itoa(b)), nil, 0o600)
	}
	os.WriteFile(filepath.Join(marks, "end"), nil, 0o600)
	out, err := exec.Command("sh", "-c", VerifyScript(dir, marks)).Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, err := ParseList(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d entries listed, want %d:\n%s", len(got), len(want), out)
	}
	for name, sum := range want {
		if e := got[name]; e == nil || e.SHA256 != sum {
			t.Errorf("%s: listed %+v, want checksum %s", name, e, sum)
		}
	}
	// the listing's checksums come in batch order (the parallel hashing is not seen in it)
	sums := strings.SplitN(strings.SplitN(string(out), "#stat", 2)[0], "\n", 17)
	for i, line := range sums[1:16] {
		if name := fmt.Sprintf("b%d-f%d", i/3+1, i%3); !strings.HasSuffix(line, "./"+name) {
			t.Fatalf("checksum line %d is %q, want %s's", i+1, line, name)
		}
	}

	os.Remove(filepath.Join(dir, "b4-f1"))
	if out, err := exec.Command("sh", "-c", VerifyScript(dir, marks)).CombinedOutput(); err == nil {
		t.Errorf("a batch whose file is missing verified:\n%s", out)
	}
}
