//go:build !linux

package write

// exchange is not available: swap falls back to two renames.
func exchange(a, b string) error { return errNoExchange }

// syncTree is a no-op where there is no single call to flush a filesystem; the renames still
// keep the previous output intact when the run fails.
func syncTree(dir string) error { return nil }

func isEINVAL(err error) bool { return false }
