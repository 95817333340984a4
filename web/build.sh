#!/bin/sh
# Builds the web app into internal/webapp/dist, which the gsign binary
# embeds. Without Node.js and npm it says so and succeeds: GSign then serves
# the API and a self-contained signing page, and /app/ says how to build.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm not found; skipping the web app build (install Node.js and npm to build it)" >&2
  exit 0
fi
# npm ci only when the installed packages are missing or older than the lock.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
