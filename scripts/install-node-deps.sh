#!/usr/bin/env bash
# Installs the npm packages that the interop tests run (openid-client,
# keycloak-js) into interop/node/node_modules with `npm ci`, so the
# versions are exactly those of the committed package-lock.json. It does
# nothing when node_modules is newer than the lockfile.
set -euo pipefail

dir="$(cd "$(dirname "$0")/../interop/node" && pwd)"
# npm writes node_modules/.package-lock.json at the end of every install.
installed="$dir/node_modules/.package-lock.json"
if [ -f "$installed" ] && [ "$installed" -nt "$dir/package-lock.json" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "install-node-deps: npm not found: install Node.js 20 or later (Debian: apt-get install -y nodejs npm)" >&2
	exit 1
fi
cd "$dir"
npm ci --no-audit --no-fund
