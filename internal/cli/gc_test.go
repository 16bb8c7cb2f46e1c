package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcPercent reads the current GOGC setting (without setting it, which could race with
// paceGC's cleanup).
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestPaceGC: GOGC=150 while the live heap is small, back to 100 once a collection finds more
// than smallHeap live, and untouched when the environment sets GOGC.
func TestPaceGC(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	debug.SetGCPercent(100)
	paceGC([]string{"GOGC=100"})
	if p := gcPercent(); p != 100 {
		t.Fatalf("with GOGC in the environment: GOGC=%d, want 100 untouched", p)
	}
	paceGC(nil)
	if p := gcPercent(); p != 150 {
		t.Fatalf("small heap: GOGC=%d, want 150", p)
	}
	live := make([]byte, 2*smallHeap)
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("live heap above %d bytes: GOGC still %d", smallHeap, gcPercent())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}
