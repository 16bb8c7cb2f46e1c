#!/usr/bin/env bash
# fresh-run.sh - run the README's two commands the way a fresh machine would, and time each
# phase. Go's module and build caches, npm's cache and ~/.cache (where the test control plane
# is built) start empty under $FRESH; the checkout is a new clone of this repository's HEAD (no
# node_modules, no out/). Debian packages are what the machine has: to measure from zero,
# purge them first (docs/testing.md says how).
#
#   scripts/fresh-run.sh              # prints one line per phase: name, seconds, exit code
#
# Env: FRESH (default: a new directory under /tmp), TEST_FLAGS (passed to make test, default
# -count=1 as in .ci/run).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FRESH=${FRESH:-$(mktemp -d /tmp/berth-fresh.XXXXXX)}
mkdir -p "$FRESH/home"
export HOME=$FRESH/home GOMODCACHE=$FRESH/gomod GOCACHE=$FRESH/gocache GOPATH=$FRESH/gopath
export npm_config_cache=$FRESH/npm XDG_CACHE_HOME=$FRESH/home/.cache CI=true
unset BERTH_TEST_BIN
git clone -q "$root" "$FRESH/berth" && cd "$FRESH/berth" || exit 1

summary=()
phase() { # name command...
	local name=$1 t0=$SECONDS rc; shift
	printf '=== %s: %s\n' "$name" "$*"
	"$@"; rc=$?
	summary+=("$(printf '%-34s %6ds  exit %d' "$name" $((SECONDS - t0)) "$rc")")
	printf '=== %s: %ds, exit %d (load: %s)\n' "$name" $((SECONDS - t0)) "$rc" "$(cut -d' ' -f1-3 /proc/loadavg)"
	return "$rc"
}
download() {
	go mod download && for m in test/cluster/tools/*/; do (cd "$m" && go mod download) || return 1; done
}
t0=$SECONDS
phase "module downloads" download &&
phase "README 1: convert examples/shop" go run ./cmd/berth convert -f examples/shop/compose.yaml -o out/shop --report out/shop-report.md &&
phase "make test-deps (Debian packages)" make test-deps &&
phase "make test-bin (control plane)" make test-bin &&
phase "make test-browser-deps (npm)" make test-browser-deps &&
phase "README 2: make test (.ci/run)" .ci/run
rc=$?
printf '\n%s\n' "${summary[@]}"
printf '%-34s %6ds  exit %d\n' "total" $((SECONDS - t0)) "$rc"
exit "$rc"
