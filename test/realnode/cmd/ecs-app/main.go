// Command ecs-app is the main container of the test's ECS task (testdata/ecs/task.json). It
// needs what its dependsOn promises: the file the "setup" container (SUCCESS) wrote into the
// shared volume, and the "cache" container (HEALTHY, a Redis on the task's localhost).
//
//	GET /         200 "$GREETING; setup: <the file's content>; cache: <Redis's answer to PING>"
//	GET /healthz  200 when the file exists and Redis answers
//	GET /facts    what the container was given, one "key: value" per line: its cgroup's memory
//	              and CPU limits, the file system of /scratch, whether /content exists
//	              (testdata/ecs/more-task.json, which has no setup or cache container)
//
// With DATA_DIR set (testdata/ecs-data/notes.json, the ECS leg of TestShopRunbook) it serves
// data instead of the setup file: Redis at REDIS_ADDR (default the task's localhost), with
// AUTH $REDIS_PASSWORD when set, and the files under DATA_DIR.
//
//	GET /healthz          200 when DATA_DIR can be read and Redis answers
//	GET /redis/{key}      the value of a string key, 404 when it does not exist
//	GET /files/{path...}  a file under DATA_DIR
//
// `ecs-app -healthcheck` GETs /healthz and exits 0 or 1 (the task's healthCheck).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check a running ecs-app and exit")
	flag.Parse()
	if *healthcheck {
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://127.0.0.1:8080/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv("DATA_DIR"); dir != "" {
		serveData(dir)
		return
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.ReadFile("/shared/setup.txt"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, err := ping(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		setup, err := os.ReadFile("/shared/setup.txt")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		pong, err := ping()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%s; setup: %s; cache: %s\n", os.Getenv("GREETING"), strings.TrimSpace(string(setup)), pong)
	})
	http.HandleFunc("/facts", func(w http.ResponseWriter, _ *http.Request) {
		_, err := os.Stat("/content")
		fmt.Fprintf(w, "memory.max: %s\ncpu.max: %s\n/scratch: %s\n/content: %v\n",
			firstFile("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
			firstFile("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), fsType("/scratch"), err == nil)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}

// serveData serves Redis keys and the files under dir.
func serveData(dir string) {
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.ReadDir(dir); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, err := redis("PING"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("GET /redis/{key}", func(w http.ResponseWriter, r *http.Request) {
		v, err := redis("GET", r.PathValue("key"))
		switch {
		case errors.Is(err, errNil):
			http.Error(w, "no such key", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, v)
		}
	})
	http.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	log.Fatal(http.ListenAndServe(":8080", nil))
}

// ping sends PING to the Redis sidecar on the task's (pod's) localhost.
func ping() (string, error) { return redis("PING") }

var errNil = errors.New("nil reply")

// redis sends one command to REDIS_ADDR (default 127.0.0.1:6379), after AUTH when
// REDIS_PASSWORD is set, and returns a simple or bulk string reply.
func redis(args ...string) (string, error) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	if pw := os.Getenv("REDIS_PASSWORD"); pw != "" {
		if _, err := command(c, r, "AUTH", pw); err != nil {
			return "", fmt.Errorf("AUTH: %w", err)
		}
	}
	return command(c, r, args...)
}

func command(c net.Conn, r *bufio.Reader, args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case line == "$-1":
		return "", errNil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// firstFile is the trimmed content of the first of paths that can be read, or "?".
func firstFile(paths ...string) string {
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "?"
}

// fsType is the file-system type mounted at dir, from /proc/mounts, or "?".
func fsType(dir string) string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == dir {
			return f[2]
		}
	}
	return "?"
}
