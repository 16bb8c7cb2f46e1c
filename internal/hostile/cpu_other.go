//go:build !unix

package hostile

import "time"

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }
