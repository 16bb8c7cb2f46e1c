//go:build tools

// Package staticcheck pins the staticcheck that `make lint` (part of `make test`) builds, in a
// module of its own so its dependencies never move berth's.
package staticcheck

import _ "honnef.co/go/tools/cmd/staticcheck"
