package cli

import (
	"math"
	"runtime"
	"runtime/debug"
)

// gcHeadroom is how much memory the Go runtime may use before the first collection.
const gcHeadroom = 16 << 20

// deferFirstGC lets the heap grow to gcHeadroom before the garbage collector first runs, then
// restores the default pacing (GOGC=100, no limit). A conversion of a small project lives for
// tens of milliseconds with a few MB of live data, and with the default 4 MB starting goal
// spent about a sixth of its CPU time in five collections; large projects pass the headroom
// at once and are collected as usual. GOGC or GOMEMLIMIT in the environment turn this off.
func deferFirstGC(environ []string) {
	if _, ok := LookupEnv(environ, "GOGC"); ok {
		return
	}
	if _, ok := LookupEnv(environ, "GOMEMLIMIT"); ok {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcHeadroom)
	// The first collection (forced by the limit) frees sentinel and runs the cleanup.
	sentinel := new([64]byte)
	runtime.AddCleanup(sentinel, func(struct{}) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}, struct{}{})
}
