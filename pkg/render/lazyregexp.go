package render

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use: a plain YAML render needs none of the package's
// expressions, and berth should not compile them at every start.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
