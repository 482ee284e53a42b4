#!/usr/bin/env bash
# The review app's end-to-end tests in Debian's Chromium (never a downloaded browser). Installs chromium when this
# runs as root with apt; otherwise says exactly what is missing and fails.
set -uo pipefail
cd "$(dirname "$0")/.."
CHROMIUM="${SIMPLEPOSE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the end-to-end tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "end-to-end tests: $CHROMIUM is missing; install it with: sudo apt-get install -y chromium (or set SIMPLEPOSE_CHROMIUM)" >&2
  exit 1
fi
source scripts/testTmp.sh
npx vitest run --config vitest.e2e.config.ts "$@"
