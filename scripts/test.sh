#!/usr/bin/env bash
# `make test`: installs what is missing, checks style, builds, and runs every suite twice:
# in build/ and in build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer), and the browser
# suite (tests/e2e) once, against build/. The API tests run on SQLite and then on PostgreSQL,
# in a throwaway cluster started once for the run (tests/pg/cluster.sh) and removed at the end
# whatever happens. The crash test (tests/crash/crash.py) kills the server at random moments
# and checks that every acknowledged operation survived and the ledger verifies; the cluster
# suite (two nodes over that PostgreSQL behind nginx: tests/cluster) runs once, against
# build/. Any failure,
# including a sanitizer report from the server under test, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
scripts/lint.sh

# Debian's interpreter with Debian's pytest, whatever python3 comes first on PATH.
PYTHON=/usr/bin/python3
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

# Modules run once more with `prepare=off` (unnamed statements, for pgbouncer in transaction
# mode): the ones that reach every store statement, the engine comparison and reconnects.
PREPARE_OFF_MODULES=(tests/api/test_products.py tests/api/test_idempotency.py tests/api/test_engines.py
  tests/api/test_postgres.py)

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/hutong-pg-XXXXXX")
pg_cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -f "$pg_dir/server.log" ]; then
    echo "== PostgreSQL log (last lines)" >&2
    tail -n 20 "$pg_dir/server.log" >&2 || true
  fi
  tests/pg/cluster.sh stop "$pg_dir"
}
trap pg_cleanup EXIT
trap 'exit 130' INT TERM HUP
echo "== PostgreSQL: throwaway cluster"
PG_URL=$(tests/pg/cluster.sh start "$pg_dir")

pytest_api() {
  "$PYTHON" -m pytest -q -rs -p no:cacheprovider "$@"
}

run_suites() {
  local dir=$1
  shift
  echo "== $dir: build"
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
  ninja -C "$dir" >/dev/null
  echo "== $dir: unit and fuzz-corpus tests"
  meson test -C "$dir" --print-errorlogs --num-processes 2
  export HUTONG_BIN="$PWD/$dir/src/hutong"
  echo "== $dir: API tests on SQLite"
  HUTONG_TEST_DB=sqlite pytest_api tests/api
  echo "== $dir: API tests on PostgreSQL"
  HUTONG_TEST_DB="$PG_URL" pytest_api tests/api
  echo "== $dir: API tests on PostgreSQL with prepare=off"
  HUTONG_TEST_DB="$PG_URL?prepare=off" pytest_api "${PREPARE_OFF_MODULES[@]}"
  echo "== $dir: crash test on SQLite (SIGKILL at random moments, $CRASH_ROUNDS rounds)"
  "$PYTHON" tests/crash/crash.py --rounds "$CRASH_ROUNDS" --bin "$HUTONG_BIN" --db sqlite
}

echo "== wallet simulators"
"$PYTHON" -m pytest -q -p no:cacheprovider tests/sim

# Restarts per crash-test run: the issue asks for ten or more (about 30 s on SQLite, plain or
# sanitized; about a minute on PostgreSQL, so that engine runs once, in the plain build).
CRASH_ROUNDS=10

run_suites build
# The browser suite drives the plain build (the sanitized build runs the same handlers in the
# API suite): one server, Debian's Chromium through playwright-core, node's test runner.
echo "== build: browser tests (Chromium)"
HUTONG_BIN="$PWD/build/src/hutong" node tests/e2e/run.mjs
echo "== build: crash test on PostgreSQL"
"$PYTHON" tests/crash/crash.py --rounds "$CRASH_ROUNDS" --bin "$PWD/build/src/hutong" --db "$PG_URL"

# Two nodes over one PostgreSQL behind nginx: races, a node killed mid-load, the jobs' lock,
# caches invalidated across nodes. The plain build: the sanitized one runs the same code in
# the API suite on PostgreSQL.
echo "== build: cluster tests (two nodes, PostgreSQL, nginx)"
HUTONG_BIN="$PWD/build/src/hutong" HUTONG_TEST_DB="$PG_URL" pytest_api tests/cluster
run_suites build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
echo "== all suites passed (plain and sanitized)"
