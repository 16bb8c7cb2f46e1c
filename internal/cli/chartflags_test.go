package cli

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

// TestStrictSemver agrees with Masterminds' StrictNewVersion (what Helm parses chart versions
// with) on valid and invalid versions, except where Masterminds accepts an empty identifier,
// which SemVer 2 forbids.
func TestStrictSemver(t *testing.T) {
	emptyIdentifier := map[string]bool{"1.2.3-": true, "1.2.3+": true, "1.2.3-rc..1": true}
	for _, v := range []string{
		"1.2.3", "0.0.0", "10.20.30", "1.2.3-rc.1", "1.2.3-alpha-1", "1.2.3+build.5", "1.2.3-rc.1+b",
		"1.2", "1", "v1.2.3", "01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-", "1.2.3+", "",
		"1.2.3.4", "a.b.c", "1.2.3-rc..1", " 1.2.3", "1.2.3-ÿ",
	} {
		_, err := semver.StrictNewVersion(v)
		want := err == nil && !emptyIdentifier[v]
		if got := strictSemver(v); got != want {
			t.Errorf("strictSemver(%q) = %v, want %v (Masterminds: %v)", v, got, want, err)
		}
	}
}
