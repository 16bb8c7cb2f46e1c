//go:build unix

package compose

import (
	"syscall"
	"time"
)

// cpuTime is the user+system CPU time the process has used so far. Benchmarks report it per
// operation because wall time on a shared machine measures the neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
