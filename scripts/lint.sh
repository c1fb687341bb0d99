#!/usr/bin/env bash
# Style checks that a program can make: clang-format conformance and banned functions.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files --cached --others --exclude-standard 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c')
clang-format --dry-run --Werror $files
# curl's list: unbounded copies and formatting.
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strtok)\s*\(' $files; then
  echo "lint: banned function (use snprintf, buf_*, arena_* or memcpy with a length)" >&2
  exit 1
fi
echo "lint: ok"
