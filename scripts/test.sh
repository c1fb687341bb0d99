#!/usr/bin/env bash
# `make test`: installs what is missing, checks style, builds, and runs every suite twice:
# in build/ and in build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer). Any failure,
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

run_suites() {
  local dir=$1
  shift
  echo "== $dir: build"
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
  ninja -C "$dir" >/dev/null
  echo "== $dir: unit and fuzz-corpus tests"
  meson test -C "$dir" --print-errorlogs --num-processes 2
  echo "== $dir: API tests"
  HUTONG_BIN="$PWD/$dir/src/hutong" "$PYTHON" -m pytest -q -p no:cacheprovider tests/api
}

echo "== wallet simulators"
"$PYTHON" -m pytest -q -p no:cacheprovider tests/sim

run_suites build
run_suites build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
echo "== all suites passed (plain and sanitized)"
