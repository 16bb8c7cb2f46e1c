// Command memrun runs a command and reports, on stderr's last line, what it consumed:
//
//	USER_S SYS_S WALL_S MAXRSS_KB PEAK_ANON_KB
//
// CPU times come from the kernel's accounting of the child (microseconds, unlike
// /usr/bin/time's 10 ms ticks); MAXRSS_KB is the peak resident set (getrusage), which counts
// the pages of the executable the process touched; PEAK_ANON_KB is the largest anonymous
// resident memory (heap, stacks) seen by sampling /proc/PID/status every millisecond
// (Linux only; 0 elsewhere). scripts/bench-compare.sh uses it.
//
//	memrun COMMAND [ARG]...
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: memrun COMMAND [ARG]...")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "memrun:", err)
		os.Exit(127)
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() { peak <- sampleAnon(cmd.Process.Pid, done) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	anon := <-peak
	st := cmd.ProcessState
	var maxRSS int64
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss
	}
	fmt.Fprintf(os.Stderr, "%.3f %.3f %.3f %d %d\n", st.UserTime().Seconds(), st.SystemTime().Seconds(), wall.Seconds(), maxRSS, anon)
	if err != nil {
		os.Exit(st.ExitCode() | 1)
	}
}

// sampleAnon returns the largest RssAnon of pid until done is closed.
func sampleAnon(pid int, done <-chan struct{}) int64 {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	var peak int64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if kb := rssAnon(path); kb > peak {
			peak = kb
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}

func rssAnon(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("RssAnon:")); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n
			}
		}
	}
	return 0
}
