#!/usr/bin/env bash
# The unit and integration tests (vitest). The team-mode tests run against a real PostgreSQL that they start
# themselves (scripts/pgCluster.ts, a throwaway cluster in a temp folder): its server binaries are installed from
# Debian's packages when this runs as root with apt; otherwise those tests are skipped and say exactly what is
# missing.
set -uo pipefail
cd "$(dirname "$0")/.."
have_pg() { compgen -G "${SIMPLEPOSE_PG_BIN:-/usr/lib/postgresql/*/bin}/initdb" >/dev/null; }
if ! have_pg && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's postgresql for the team-mode tests"
  # policy-rc.d 101: the package's own cluster is not started (the tests start their own, and stop it)
  ours=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && ours=1
  fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  [ "$ours" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
have_pg || echo "team-mode tests: PostgreSQL server binaries are missing (apt-get install -y postgresql); they are skipped" >&2
source scripts/testTmp.sh
npx vitest run "$@"
