# Sourced by the test scripts. Every temp file of the run (tests, servers, workers, Chromium profiles, pytest's
# tmp_path, the PostgreSQL test clusters) goes in one private folder, removed when the run ends, pass, fail or
# Ctrl-C: runs that left their temp folders behind once filled a shared machine's disk, and the next CI run died
# in `npm ci` with ENOSPC. Set SIMPLEPOSE_KEEP_TEST_TMP=1 to keep it for a look after a failure.
SIMPLEPOSE_TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/simplepose-test.XXXXXX")"
# like /tmp itself: the PostgreSQL test clusters run as the postgres user under it
chmod 1777 "$SIMPLEPOSE_TEST_TMP"
export TMPDIR="$SIMPLEPOSE_TEST_TMP"
simplepose_test_tmp_cleanup() {
  local status=$?
  if [ "${SIMPLEPOSE_KEEP_TEST_TMP:-}" = 1 ]; then
    echo "temp files of this run kept in $SIMPLEPOSE_TEST_TMP" >&2
    return "$status"
  fi
  # a test cluster or a small tmpfs left by a killed run would keep the folder busy
  local data
  for data in "$SIMPLEPOSE_TEST_TMP"/simplepose-pg-*/data; do
    [ -d "$data" ] || continue
    for ctl in /usr/lib/postgresql/*/bin/pg_ctl; do
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$ctl" -D "$data" -m immediate stop >/dev/null 2>&1
      else "$ctl" -D "$data" -m immediate stop >/dev/null 2>&1; fi && break
    done
  done
  awk -v root="$SIMPLEPOSE_TEST_TMP/" 'index($2, root) == 1 { print $2 }' /proc/mounts 2>/dev/null |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$SIMPLEPOSE_TEST_TMP" 2>/dev/null
  return "$status"
}
trap simplepose_test_tmp_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
