//go:build !linux

package write

// exchange is not available: swap falls back to two renames.
func exchange(a, b string) error { return errNoExchange }

func isEINVAL(err error) bool { return false }
