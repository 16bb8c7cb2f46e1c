package data

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedisRestore runs the dump and restore commands against real redis-servers on this
// machine (Debian's redis-server; skipped where it is absent). The old side is an
// append-only, password-protected server, written to before and after an AOF rewrite (and in
// database 3); from it come the three dumps a user may bring: the RDB berth data dump takes,
// its AOF with an RDB preamble (Redis 7's appendonlydir base and incr files, concatenated: the
// single appendonly.aof of Redis 4-6), and a plain AOF. Each is restored into a
// password-protected server, append-only or not, that holds another key; after the restore it
// holds exactly the old side's keys, and still does after a restart from its own files.
func TestRedisRestore(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
	const pw = "old-side-Pw-7q"
	// appendfsync always: the AOF holds each write before its reply. With everysec, Redis may
	// postpone writing its AOF buffer while a background fsync runs (up to 2 s on a busy disk),
	// and the files read below then lacked the last SET (db3, seen once under load).
	src := startRedis(t, "--requirepass", pw, "--appendonly", "yes", "--appendfsync", "always")
	cli(t, src, pw, "SET", "order:1", "paid")
	cli(t, src, pw, "HSET", "cart:9", "sku", "42")
	rewriteAOF(t, src, pw)
	cli(t, src, pw, "SET", "after:rewrite", "2")
	cli(t, src, pw, "-n", "3", "SET", "db3", "yes")
	preamble := aofFiles(t, src)

	ex := func(svc string, env ...string) string { return "" }
	s := Store{Service: "cache", Engine: Redis, PasswordVar: "REDIS_PASSWORD", PasswordVarOld: true}
	_, dump := DumpCommand(ex, s)
	cmd := exec.Command("sh", "-c", strings.Replace(dump, "redis-cli", "redis-cli -p "+src.port, 1))
	cmd.Env = append(os.Environ(), "REDIS_PASSWORD="+pw)
	var rdb, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &rdb, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dump: %v\n%s", err, stderr.String())
	}
	cli(t, src, pw, "CONFIG", "SET", "aof-use-rdb-preamble", "no")
	rewriteAOF(t, src, pw)
	plain := aofFiles(t, src)

	for i, tc := range []struct {
		name, kind string
		dump       []byte
	}{
		{"RDB (berth data dump)", "a Redis RDB file", rdb.Bytes()},
		{"AOF with an RDB preamble", "a Redis RDB file", preamble},
		{"plain AOF", "a Redis append-only file", plain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if kind, what := Sniff(tc.dump); kind != Redis || what != tc.kind {
				t.Fatalf("the dump is %q (%s), want %q", what, kind, tc.kind)
			}
			const pw2 = "new-side-Pw-3k"
			appendOnly := []string{"yes", "no"}[i%2]
			dst := startRedis(t, "--requirepass", pw2, "--appendonly", appendOnly)
			cli(t, dst, pw2, "SET", "stale", "1")
			port := 0
			fmt.Sscan(dst.port, &port)
			script, err := RestoreScript(s, tc.kind, port)
			if err != nil {
				t.Fatal(err)
			}
			restore := exec.Command("sh", "-c", script)
			restore.Env = append(os.Environ(), "REDIS_PASSWORD="+pw2)
			restore.Stdin = bytes.NewReader(tc.dump)
			out, err := restore.CombinedOutput()
			if err != nil {
				t.Fatalf("restore: %v\n%s", err, out)
			}
			if bytes.Contains(out, []byte(pw2)) {
				t.Error("the restore printed the password")
			}
			check := func(when string) {
				t.Helper()
				got := strings.Join([]string{cli(t, dst, pw2, "GET", "order:1"), cli(t, dst, pw2, "HGET", "cart:9", "sku"),
					cli(t, dst, pw2, "GET", "after:rewrite"), cli(t, dst, pw2, "-n", "3", "GET", "db3"), cli(t, dst, pw2, "EXISTS", "stale")}, " ")
				if want := "paid 42 2 yes 0"; got != want {
					t.Errorf("%s (appendonly %s): order:1, cart:9 sku, after:rewrite, db3 in db 3, EXISTS stale = %q, want %q", when, appendOnly, got, want)
				}
			}
			check("after the restore")
			dst.restart(t)
			check("after a restart")
		})
	}
}

// rewriteAOF has r rewrite its append-only file and waits until it has.
func rewriteAOF(t *testing.T, r *redisProc, pw string) {
	t.Helper()
	cli(t, r, pw, "BGREWRITEAOF")
	for i := 0; ; i++ {
		info := cli(t, r, pw, "INFO", "persistence")
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		if i == 200 {
			t.Fatalf("the AOF rewrite did not end:\n%s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// aofFiles is r's append-only file as one file: Redis 7's appendonlydir files in the order
// of its manifest (base, then incr), concatenated.
func aofFiles(t *testing.T, r *redisProc) []byte {
	t.Helper()
	dir := filepath.Join(r.dir, "appendonlydir")
	manifest, err := os.ReadFile(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, l := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		f := strings.Fields(l) // file NAME seq N type b|i|h
		if len(f) < 6 || f[5] == "h" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f[1]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

type redisProc struct {
	port, dir string
	args      []string
	cmd       *exec.Cmd
}

func startRedis(t *testing.T, args ...string) *redisProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	r := &redisProc{port: port, dir: t.TempDir(), args: args}
	r.start(t)
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *redisProc) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", append([]string{"--port", r.port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", ""}, r.args...)...)
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+r.port); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not listen")
}

func (r *redisProc) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(os.Interrupt)
		r.cmd.Wait()
	}
}

func (r *redisProc) restart(t *testing.T) {
	r.stop()
	r.start(t)
}

func cli(t *testing.T, r *redisProc, pw string, args ...string) string {
	t.Helper()
	cmd := exec.Command("redis-cli", append([]string{"-p", r.port}, args...)...)
	cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+pw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}
