#!/usr/bin/env bash
# bench/ledger.sh — durable money movements per second through hutong's HTTP API, against
# pgbench's built-in TPC-B-like script on a local PostgreSQL with fsync on, in the same run.
#
#   pay → escrow   signed sandbox notifications POSTed to /notify/sandbox, one per order: verify
#                  the HMAC, record the delivery, move the payment attempt to succeeded, move the
#                  order to paid and post clearing → escrow with cached balances, commit
#   release        buyers' POST /v1/buyer/orders/{token}/confirm, one per shipped order: escrow →
#                  merchant available + platform fee, commit
#
# Each request is a different order and is answered only after its transaction is durable
# (SQLite WAL, synchronous=FULL). The load generator is wrk (C) with bench/ledger.lua sending a
# prepared list once; pgbench is PostgreSQL's own C client; both run on the same cores as their
# server. Prints both rates, p99 latencies and the ratios (goal ≥ 1.0× pgbench tps), then runs
# `hutong ledger verify` on the result.
#   BENCH_LEDGER_ORDERS=20000 BENCH_LEDGER_CONNECTIONS=8 BENCH_PGBENCH_S=20 bench/ledger.sh
# (20,000 orders take about as long through hutong as pgbench's 20 seconds, so both run under
# the same background load.)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
make -s build

ORDERS=${BENCH_LEDGER_ORDERS:-20000}
CONNECTIONS=${BENCH_LEDGER_CONNECTIONS:-8} # pgbench's clients, and wrk's connections
PGBENCH_S=${BENCH_PGBENCH_S:-20}
# Longest a wrk pass may take: it ends itself once every request of its list is answered.
WRK_LIMIT_S=${BENCH_WRK_LIMIT_S:-300}
SECRET=bench-secret-0123456789abcdef0123456789abcdef
PYTHON=/usr/bin/python3

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/hutong-bench-pg-XXXXXX")
trap 'tests/pg/cluster.sh stop "$pg_dir"; bench_cleanup' EXIT

# ---- the anchor: pgbench TPC-B-like, fsync on ----
echo "== PostgreSQL (fsync on): pgbench -i -s 1, then -c $CONNECTIONS -j $BENCH_THREADS -T $PGBENCH_S" >&2
pg_url=$(tests/pg/cluster.sh start "$pg_dir")
pgbench -q -i -s 1 "$pg_url" >"$BENCH_TMP/pgbench-init.log" 2>&1
(cd "$BENCH_TMP" && pgbench -c "$CONNECTIONS" -j "$BENCH_THREADS" -T "$PGBENCH_S" -l --log-prefix=pgbench \
  "$pg_url" >"$BENCH_TMP/pgbench.out" 2>&1)
pg_tps=$(awk '/^tps = / {print $3; exit}' "$BENCH_TMP/pgbench.out")
# Per-transaction logs: the third column is the latency in microseconds.
pg_p99=$(cat "$BENCH_TMP"/pgbench.[0-9]* | awk '{print $3}' | sort -n |
  awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2fms", v[i] / 1000}')
tests/pg/cluster.sh stop "$pg_dir"

# ---- hutong on SQLite ----
port=$(bench_free_port)
db="$BENCH_TMP/hutong.db"
export HUTONG_DB="sqlite:$db" HUTONG_SECRET="$SECRET" HUTONG_ACCESS_LOG=off HUTONG_LISTEN="127.0.0.1:$port"
hutong_pid=
start_hutong() {
  build/src/hutong serve 2>>"$BENCH_TMP/hutong.log" &
  hutong_pid=$!
  BENCH_PIDS+=("$hutong_pid")
  bench_wait_port "$port"
}
stop_hutong() {
  kill "$hutong_pid"
  wait "$hutong_pid" || true
}
# Runs one wrk pass over a prepared list; sets rate, p99 and checks that every answer was 2xx.
run_list() {
  local mode=$1 file=$2 out="$BENCH_TMP/wrk-$1.out"
  rm -f "$BENCH_TMP/wrk-done"
  wrk -t"$BENCH_THREADS" -c"$CONNECTIONS" -d"${WRK_LIMIT_S}s" --latency -s bench/ledger.lua \
    "http://127.0.0.1:$port" -- "$mode" "$file" "$BENCH_THREADS" "$BENCH_TMP/wrk-done" >"$out" 2>&1
  local line
  line=$(grep '^ledger.lua:' "$out")
  read -r sent failed seconds p99 < <(echo "$line" | awk -F'[ ,]+' '{print $3, $5, $7, $11}')
  if [ "$failed" != 0 ] || [ "$sent" != "$(wc -l <"$file")" ]; then
    echo "bench/ledger.sh: $mode: $line" >&2
    exit 1
  fi
  rate=$(awk -v n="$sent" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  p99="${p99}ms"
}

echo "== hutong (SQLite WAL, synchronous=FULL): $ORDERS orders" >&2
start_hutong
merchant=$(build/src/hutong merchant create --name "Bench Shop")
key=$(build/src/hutong apikey create --merchant "$merchant" 2>/dev/null)
"$PYTHON" bench/ledger_seed.py template "$port" "$key"
stop_hutong
"$PYTHON" bench/ledger_seed.py clone "$db" "$ORDERS"
"$PYTHON" bench/ledger_seed.py notifications "$db" "$SECRET" "$(date +%s)" "$BENCH_TMP/notifications.txt"
start_hutong
run_list notify "$BENCH_TMP/notifications.txt"
pay_rate=$rate pay_p99=$p99
stop_hutong
"$PYTHON" bench/ledger_seed.py ship "$db" "$(($(date +%s) * 1000))"
"$PYTHON" bench/ledger_seed.py tokens "$db" "$BENCH_TMP/tokens.txt"
start_hutong
run_list confirm "$BENCH_TMP/tokens.txt"
release_rate=$rate release_p99=$p99
stop_hutong

verify=$(build/src/hutong ledger verify)
captured=$(sqlite3 "$db" "SELECT count(*) FROM ledger_transactions WHERE kind = 'payment_captured'")
released=$(sqlite3 "$db" "SELECT count(*) FROM ledger_transactions WHERE kind = 'escrow_released'")
[ "$captured" = "$ORDERS" ] && [ "$released" = "$ORDERS" ] || {
  echo "bench/ledger.sh: $captured captures and $released releases for $ORDERS orders" >&2
  exit 1
}

printf '%-44s %10s %10s\n' "durable transactions, $CONNECTIONS clients" "per second" "p99"
printf '%-44s %10s %10s\n' "pgbench TPC-B-like (PostgreSQL, fsync on)" "$pg_tps" "$pg_p99"
printf '%-44s %10s %10s\n' "hutong pay -> escrow (/notify/sandbox)" "$pay_rate" "$pay_p99"
printf '%-44s %10s %10s\n' "hutong release (buyer confirms)" "$release_rate" "$release_p99"
echo "ratio pay/pgbench: $(bench_ratio "$pay_rate" "$pg_tps"); release/pgbench: $(bench_ratio "$release_rate" "$pg_tps") (goal >= 1.0)"
echo "ledger verify: $verify"
