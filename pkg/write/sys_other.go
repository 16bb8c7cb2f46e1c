//go:build !linux

package write

import "io/fs"

// exchange is not available: swap falls back to two renames.
func exchange(a, b string) error { return errNoExchange }

func isEINVAL(err error) bool { return false }

// umaskClears: without a way to read the umask, always fix the mode.
func umaskClears(fs.FileMode) bool { return true }

// sameContent: files are not reused on this platform.
func sameContent(string, []byte, fs.FileMode) bool { return false }
