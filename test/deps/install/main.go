// Command install installs the Debian packages every test needs (package test/deps), as
// root, before any test runs: `make test-deps`. It prints what it installed, or that nothing
// was missing, and exits 1 with the reason when it cannot.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/test/deps"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t0 := time.Now()
	installed, err := deps.Ensure(ctx, deps.Dpkg{}, deps.All...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "test-deps: %v\n", err)
		os.Exit(1)
	}
	if len(installed) == 0 {
		fmt.Fprintf(os.Stderr, "test-deps: all %d Debian packages the tests need are installed\n", len(deps.Names(deps.All...)))
		return
	}
	fmt.Fprintf(os.Stderr, "test-deps: installed %s in %s\n", strings.Join(installed, " "), time.Since(t0).Round(time.Second))
}
