package hostile

import "unicode"

// PlainWord reports a non-empty word of ASCII letters and digits only: the fuzz targets build
// a user name, password or host from fuzzed strings only when they are plain words, so that a
// property about them (a password never reported as a host) is not muddied by separators.
func PlainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
