// Package hostile holds what the hostile-input tests of the loaders share: the bounds every
// input must load or be refused within, and generators for inputs too big to commit.
package hostile

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/diag"
)

// The bounds of docs/reliability.md: any input of up to 1 MB loads or is refused within these.
const (
	MaxCPU    = 2 * time.Second
	MaxMemory = 256 << 20
)

// Usage is what one call consumed.
type Usage struct {
	// CPU is the process's user+system time (steadier than wall time on a shared machine).
	CPU time.Duration
	// Peak is the most memory the Go runtime held from the OS (heap, stacks, metadata, less
	// what it returned), sampled every millisecond: the analogue of peak RSS in-process.
	Peak uint64
}

func (u Usage) String() string {
	return fmt.Sprintf("%.3fs CPU, %.1f MiB peak", u.CPU.Seconds(), float64(u.Peak)/(1<<20))
}

// Within reports whether u is inside MaxCPU and MaxMemory.
func (u Usage) Within() bool { return u.CPU <= MaxCPU && u.Peak <= MaxMemory }

// Measure runs fn and returns its error and what it consumed. It collects garbage first, so
// the peak counts fn's memory and the little the test binary holds.
//
// A run over the bounds is repeated, up to three runs in all, and the least CPU time counts:
// fn's work is the same each time, while the machine's other load inflates a process's CPU
// time (TestHostile's shared-anchor-500: 1.47 s alone, 2.02 s beside a fuzz campaign and a
// test suite at load 8). An input that is really over the bounds is over them three times.
func Measure(fn func() error) (Usage, error) {
	use, err := measureOnce(fn)
	for i := 1; i < 3 && !use.Within(); i++ {
		again, againErr := measureOnce(fn)
		if again.CPU < use.CPU {
			use, err = again, againErr
		}
	}
	return use, err
}

func measureOnce(fn func() error) (Usage, error) {
	runtime.GC()
	debug.FreeOSMemory()
	done := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() { peak <- samplePeak(done) }()
	start := cpuTime()
	err := fn()
	cpu := cpuTime() - start
	close(done)
	return Usage{CPU: cpu, Peak: <-peak}, err
}

func samplePeak(done <-chan struct{}) uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(samples)
		if held := samples[0].Value.Uint64() - samples[1].Value.Uint64(); held > peak {
			peak = held
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}

// Bomb is a YAML "billion laughs": levels anchored lists of width aliases each to the one
// before, under keys prefix0, prefix1, ... (prefix "x-" makes them Compose extensions).
func Bomb(prefix string, levels, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s0: &a0 [%s]\n", prefix, strings.TrimSuffix(strings.Repeat(`"lol",`, width), ","))
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "%s%d: &a%d [%s]\n", prefix, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), width), ","))
	}
	return b.String()
}

// Check fails t unless err is what a hostile input must give: nil when want is "ok", else one
// positioned *diag.Err (a file at least) whose text contains want. Long errors are cut in
// messages, so a 1 MB value never floods the log.
func Check(t testing.TB, want string, err error) {
	t.Helper()
	if want == "ok" {
		if err != nil {
			t.Errorf("load: %.300v, want it to load", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("load succeeded, want an error with %q", want)
	}
	var de *diag.Err
	if !errors.As(err, &de) || de.Pos.File == "" {
		t.Errorf("error %.300v is %T without a file, want a positioned *diag.Err", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error\n got: %.300v\nwant: ...%s...", err, want)
	}
}

// CheckUse fails t when use is over the bounds.
func CheckUse(t testing.TB, use Usage) {
	t.Helper()
	if !use.Within() {
		t.Errorf("used %s, want at most %s CPU and %d MiB", use, MaxCPU, MaxMemory>>20)
	}
}

// CPUTime is the user+system CPU time the process has used so far. Benchmarks report it per
// operation because wall time on a shared machine measures the neighbours too.
func CPUTime() time.Duration { return cpuTime() }
