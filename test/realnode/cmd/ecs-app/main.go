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
// `ecs-app -healthcheck` GETs /healthz and exits 0 or 1 (the task's healthCheck).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
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

// ping sends PING to the Redis sidecar on the task's (pod's) localhost.
func ping() (string, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:6379", 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimPrefix(strings.TrimSpace(line), "+"), err
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
