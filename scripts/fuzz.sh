#!/usr/bin/env bash
# `make fuzz`: builds every fuzz target with clang and libFuzzer (in build-fuzz/) and runs each
# for FUZZ_SECONDS (default 60) on its corpus. New interesting inputs are added to the corpus
# directory, so they are replayed by `make test` from then on: commit the ones worth keeping.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-fuzz >/dev/null
for exe in build-fuzz/tests/fuzz/fuzz_*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  name=$(basename "$exe")
  name=${name#fuzz_}
  echo "== fuzz $name for ${FUZZ_SECONDS}s"
  mkdir -p "tests/fuzz/corpus/$name"
  "$exe" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -print_final_stats=1 "tests/fuzz/corpus/$name" 2>&1 | tail -4
done
