package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// smallHeap is the live heap below which the collector runs at GOGC=150.
const smallHeap = 16 << 20

// paceGC runs the collector at GOGC=150 while the live heap is small and at the default 100
// from the first collection that finds more than smallHeap live. A small project's run holds
// about 1 MB live, so the default 4 MB minimum goal collected after every ~3 MB allocated
// (five cycles where compose-go's loader alone has three). On the corpus this cut berth's
// CPU from 1.43x to 1.33x the loader's (median) and raised peak anonymous memory from 1.17x
// to 1.50x; GOGC=200 gave 1.27x but up to 2.0x the memory. Large projects are collected as
// before, so their peak memory is unchanged. GOGC or GOMEMLIMIT in the environment turn
// this off.
func paceGC(environ []string) {
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, ok := LookupEnv(environ, k); ok {
			return
		}
	}
	debug.SetGCPercent(150)
	watchHeap()
}

// watchHeap arranges for the live heap to be checked after the next collection, and again
// after each one until it exceeds smallHeap.
func watchHeap() {
	runtime.AddCleanup(new([64]byte), func(struct{}) {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > smallHeap {
			debug.SetGCPercent(100)
			return
		}
		watchHeap()
	}, struct{}{})
}
