#!/usr/bin/env bash
# Link guard benchmark (docs/BENCHMARKS.md, "Link guard"). Generates a blocklist of
# GUARD_BENCH_URLS (default 1,000,000) URLs in a temporary directory, measures the blocklist's
# memory natively, then counts instructions per verdict under callgrind for a set of typical,
# look-alike, blocklisted and long URLs, and prints the median. The anchor, measured in the same
# run, is the raw library: OpenSSL's SHA-256 of the same Safe Browsing expressions, the work any
# client must do; the ratio says what canonicalization, lookups and lookalike checks add.
# Deterministic: same numbers on every run of the same build.
#
# Then the batch endpoint: `hutong serve` with the same list in its feeds directory, wrk POSTing
# batches of GUARD_BENCH_BATCH (default 100) typical URLs (guard_bench batch: a tenth of them
# blocklist hits, some look-alikes) with an API key, in URLs checked a second. Its anchor, in the
# same run, is the ceiling: the same URLs judged in-process by guard_bench on as many threads as
# the server has, with no HTTP, JSON or wrk; rounds alternate and the best of each is kept.
#   BENCH_DURATION_S=10 BENCH_CONNECTIONS=16 BENCH_ROUNDS=3 GUARD_BENCH_BATCH=100 bench/guard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
source bench/lib.sh
build=${BUILD:-build}
urls=${GUARD_BENCH_URLS:-1000000}
repeats=${GUARD_BENCH_REPEATS:-20}
batch_size=${GUARD_BENCH_BATCH:-100}
rounds=${BENCH_ROUNDS:-3}
server_threads=${HUTONG_THREADS:-$(nproc)}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" bench/guard_bench src/hutong >/dev/null
command -v valgrind >/dev/null || { echo "guard.sh: valgrind is needed (scripts/deps.sh --test)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "guard.sh: wrk is needed (scripts/deps.sh --test)" >&2; exit 1; }

tmp=$BENCH_TMP # removed on exit by bench/lib.sh, with every process started here
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

echo "== batch endpoint: POST /v1/guard/check, $batch_size URLs a request (wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS)"
"$bench" batch "$batch_size" >"$tmp/batch.txt"
mkdir -p "$tmp/feeds"
cp "$tmp/blocklist.txt" "$tmp/feeds/generated.txt"
bin="$build/src/hutong"
export HUTONG_DB="sqlite:$tmp/hutong.db" HUTONG_SECRET=bench-secret-0123456789abcdef0123456789
export HUTONG_ACCESS_LOG=off HUTONG_GUARD_FEEDS_DIR="$tmp/feeds" HUTONG_THREADS="$server_threads"
"$bin" migrate >/dev/null
key=$("$bin" apikey create --merchant "$("$bin" merchant create --name "Guard Bench")" 2>/dev/null)
port=$(bench_free_port)
HUTONG_LISTEN="127.0.0.1:$port" "$bin" serve 2>"$tmp/hutong.log" >/dev/null &
BENCH_PIDS+=($!)
for _ in $(seq 1 600); do grep -q '"listening on' "$tmp/hutong.log" && break; sleep 0.05; done # 1M URLs load first
bench_wait_port "$port"
endpoint="http://127.0.0.1:$port/v1/guard/check"
# One request by hand: every URL answered, and the verdict mix the rate is measured on.
/usr/bin/python3 - "$endpoint" "$key" "$tmp/batch.txt" <<'PY'
import collections, json, sys, urllib.request
endpoint, key, path = sys.argv[1:]
urls = [line.rstrip("\n") for line in open(path, encoding="utf-8") if line.strip()]
req = urllib.request.Request(endpoint, json.dumps({"urls": urls}).encode(), method="POST",
                             headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
results = json.load(urllib.request.urlopen(req, timeout=30))["results"]
assert len(results) == len(urls), len(results)
mix = collections.Counter(r.get("verdict", "error") for r in results)
print("batch verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))
PY
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
http_urls=0 ceiling_urls=0
wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d3s -s bench/guard_batch.lua "$endpoint" -- "$key" "$tmp/batch.txt" \
  >/dev/null 2>&1 # warm-up
for round in $(seq 1 "$rounds"); do
  ceiling=$("$bench" throughput "$tmp/blocklist.txt" "$tmp/batch.txt" "$BENCH_DURATION_S" "$server_threads" |
    awk '{print $2}')
  ceiling_urls=$(best "$ceiling_urls" "$ceiling")
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION_S}s" --latency -s bench/guard_batch.lua \
    "$endpoint" -- "$key" "$tmp/batch.txt" >"$tmp/wrk.out" 2>&1
  if grep -q "Non-2xx" "$tmp/wrk.out"; then cat "$tmp/wrk.out" >&2; echo "guard.sh: non-2xx answers" >&2; exit 1; fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
  echo "round $round: in-process $ceiling URLs/s; endpoint $rps requests/s = $(awk -v r="$rps" -v n="$batch_size" 'BEGIN { printf "%.0f", r * n }') URLs/s, p99 $p99"
  http_urls=$(best "$http_urls" "$(awk -v r="$rps" -v n="$batch_size" 'BEGIN { printf "%.0f", r * n }')")
done
echo "batch_endpoint_urls_per_second $http_urls (best of $rounds rounds of ${BENCH_DURATION_S} s, $server_threads server threads)"
echo "in_process_urls_per_second $ceiling_urls (guard_bench throughput, $server_threads threads, same URLs and list)"
echo "ratio_endpoint_to_in_process $(bench_ratio "$http_urls" "$ceiling_urls")"
