package ecs

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use, not at start-up: most runs of berth never need most
// of the package's expressions, and compiling them all cost a millisecond before main.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
