package data

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRedisRestore runs the dump and restore commands against real redis-servers on this
// machine (Debian's redis-server; skipped where it is absent): an RDB taken from a
// password-protected server is loaded into an append-only, password-protected one that holds
// other keys; after the restore it holds exactly the dumped keys, and still does after a
// restart from its own AOF.
func TestRedisRestore(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
	const pw = "old-side-Pw-7q"
	src := startRedis(t, "--requirepass", pw, "--appendonly", "no")
	cli(t, src, pw, "SET", "order:1", "paid")
	cli(t, src, pw, "HSET", "cart:9", "sku", "42")
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
	if kind, what := Sniff(rdb.Bytes()); kind != Redis {
		t.Fatalf("the dump is %q, not an RDB", what)
	}

	const pw2 = "new-side-Pw-3k"
	dst := startRedis(t, "--requirepass", pw2, "--appendonly", "yes")
	cli(t, dst, pw2, "SET", "stale", "1")
	port := 0
	fmt.Sscan(dst.port, &port)
	script, err := RestoreScript(s, "a Redis RDB file", port)
	if err != nil {
		t.Fatal(err)
	}
	restore := exec.Command("sh", "-c", script)
	restore.Env = append(os.Environ(), "REDIS_PASSWORD="+pw2)
	restore.Stdin = bytes.NewReader(rdb.Bytes())
	out, err := restore.CombinedOutput()
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte(pw2)) {
		t.Error("the restore printed the password")
	}
	check := func() {
		t.Helper()
		if got := cli(t, dst, pw2, "GET", "order:1"); got != "paid" {
			t.Errorf("order:1 = %q after the restore", got)
		}
		if got := cli(t, dst, pw2, "EXISTS", "stale"); got != "0" {
			t.Errorf("the key the restore replaces survived (EXISTS stale = %s)", got)
		}
		if got := cli(t, dst, pw2, "HGET", "cart:9", "sku"); got != "42" {
			t.Errorf("cart:9 sku = %q", got)
		}
	}
	check()
	dst.restart(t)
	check()
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
