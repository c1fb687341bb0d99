#!/usr/bin/env bash
# Link guard benchmark (docs/BENCHMARKS.md, "Link guard"). Generates a blocklist of
# GUARD_BENCH_URLS (default 1,000,000) URLs in a temporary directory, measures the blocklist's
# memory natively, then counts instructions per verdict under callgrind for a set of typical,
# look-alike, blocklisted and long URLs, and prints the median. The anchor, measured in the same
# run, is the raw library: OpenSSL's SHA-256 of the same Safe Browsing expressions, the work any
# client must do; the ratio says what canonicalization, lookups and lookalike checks add.
# Deterministic: same numbers on every run of the same build.
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
  [ -n "$label" ] && echo "$label $((ir / repeats))"
done > "$tmp/ir.txt"
# One row per URL: verdict instructions, anchor instructions (SHA-256 of its expressions), ratio.
awk 'NR == FNR { ir[$1] = $2; next }
     $1 !~ /^anchor_/ { a = ir["anchor_" $1]; printf "%s %d %d %.2f %s\n", $1, ir[$1], a, a ? ir[$1] / a : 0, $3 }' \
  "$tmp/ir.txt" "$tmp/verdicts.txt" | sort -k2,2n > "$tmp/per_url.txt"
printf "%-18s %9s %9s %6s  %s\n" url verdict anchor ratio decision
awk '{ printf "%-18s %9d %9d %6.2f  %s\n", $1, $2, $3, $4, $5 }' "$tmp/per_url.txt"
median() { # column $1 of per_url.txt, sorted numerically; prints the median
  sort -k"$1","$1"n "$tmp/per_url.txt" | awk -v c="$1" '{ v[NR] = $c } END {
    printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "median_instructions_per_verdict $(median 2) (of $(wc -l < "$tmp/per_url.txt") URLs; goal <= 40000)"
echo "median_ratio_to_anchor $(median 4) (verdict / SHA-256 of the same expressions)"
