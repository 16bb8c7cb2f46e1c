#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium (when missing) and playwright-core at
# the version pinned in package-lock.json. Idempotent; used by `make test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	else
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	fi
fi
if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund >/dev/null
fi
