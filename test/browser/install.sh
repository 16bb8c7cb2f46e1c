#!/usr/bin/env bash
# Installs playwright-core at the version pinned in package-lock.json for the browser tests
# (chromium, a Debian package, comes from `make test-deps`). Idempotent; used by `make test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v chromium >/dev/null 2>&1 || { echo "chromium is missing: install it with \`make test-deps\` (as root)" >&2; exit 1; }
if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund >/dev/null
fi
