#!/usr/bin/env bash
# Link guard benchmark (docs/BENCHMARKS.md, "Link guard"). Generates a blocklist of
# GUARD_BENCH_URLS (default 1,000,000) URLs in a temporary directory, measures the blocklist's
# memory natively, then counts instructions per verdict under callgrind for a set of typical,
# look-alike, blocklisted and long URLs, and prints the median. Deterministic: same numbers on
# every run of the same build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
urls=${GUARD_BENCH_URLS:-1000000}
repeats=${GUARD_BENCH_REPEATS:-20}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" bench/guard_bench >/dev/null
command -v valgrind >/dev/null || { echo "guard.sh: valgrind is needed (scripts/deps.sh --test)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench="$build/bench/guard_bench"
"$bench" generate "$urls" > "$tmp/blocklist.txt"
echo "== blocklist of $urls generated URLs ($(du -h "$tmp/blocklist.txt" | cut -f1))"
"$bench" memory "$tmp/blocklist.txt"

echo "== instructions per verdict (callgrind, $repeats verdicts per URL)"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg.out" \
  "$bench" verdicts "$tmp/blocklist.txt" "$repeats" > "$tmp/verdicts.txt" 2> "$tmp/valgrind.log"
for f in "$tmp"/cg.out.*; do
  label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
  ir=$(sed -n 's/^summary: //p;s/^totals: //p' "$f" | head -n 1 | cut -d' ' -f1)
  verdict=$(awk -v l="$label" '$1 == l { print $3 }' "$tmp/verdicts.txt")
  [ -n "$label" ] && echo "$label $((ir / repeats)) $verdict"
done | sort -k2,2n > "$tmp/per_url.txt"
awk '{ printf "%-18s %8d  %s\n", $1, $2, $3 }' "$tmp/per_url.txt"
awk '{ v[NR] = $2 } END { m = (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2);
  printf "median_instructions_per_verdict %d (of %d URLs; max %d)\n", m, NR, v[NR] }' "$tmp/per_url.txt"
