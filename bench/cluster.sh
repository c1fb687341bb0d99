#!/usr/bin/env bash
# bench/cluster.sh — link resolution and the pay loop on SQLite (one node), on PostgreSQL with
# one node, and on PostgreSQL with two nodes behind nginx; also the one PostgreSQL node behind
# the same nginx, which separates the proxy hop's cost from the second node's. Prints each and
# the ratios.
#
#   GET /R/{code}  wrk (BENCH_THREADS threads, BENCH_CONNECTIONS connections, BENCH_DURATION_S)
#                  over BENCH_LINKS links, the requests spread over all of them (a Lua script)
#   pay loop       bench/cluster_driver.py: place → pay (sandbox) → signed notification → ship →
#                  confirm, BENCH_PAY_WORKERS concurrent buyers for BENCH_DURATION_S
#
# Everything runs at once and the configurations are measured in turn, BENCH_ROUNDS times;
# each figure is the median of its rounds (min–max after it), so that a burst of other load on
# the machine spreads over every configuration instead of spoiling one. The PostgreSQL nodes
# share one database (a throwaway cluster, tests/pg/cluster.sh, fsync on like SQLite's
# synchronous=FULL): "1 node" is node A alone, directly or through nginx; "2 nodes" is nginx
# over A and B. Everything listens on 127.0.0.1 and is stopped on exit.
#   BENCH_DURATION_S=5 BENCH_ROUNDS=3 BENCH_LINKS=1000 BENCH_PAY_WORKERS=8 bench/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DURATION_S=${BENCH_DURATION_S:-5}
source bench/lib.sh
make -s build

BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_LINKS=${BENCH_LINKS:-1000}
BENCH_PAY_WORKERS=${BENCH_PAY_WORKERS:-8}
BENCH_NODE_THREADS=${BENCH_NODE_THREADS:-2}
BENCH_WARM_S=${BENCH_WARM_S:-2}
SECRET=bench-secret-0123456789abcdef0123456789abcdef
PYTHON=/usr/bin/python3
HUTONG=build/src/hutong
CONFIGS=(sqlite pg1 pg1lb pg2)

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/hutong-bench-pg-XXXXXX")
cluster_cleanup() {
  bench_cleanup
  tests/pg/cluster.sh stop "$pg_dir"
}
trap cluster_cleanup EXIT
trap 'exit 130' INT TERM HUP
pg_url=$(tests/pg/cluster.sh start "$pg_dir")

# start_node PORT DB_URL NAME PUBLIC_URL — one `hutong serve`.
start_node() {
  local port=$1 db=$2 name=$3 public=$4
  HUTONG_DB="$db" HUTONG_SECRET="$SECRET" HUTONG_ACCESS_LOG=off HUTONG_LISTEN="127.0.0.1:$port" \
    HUTONG_THREADS="$BENCH_NODE_THREADS" HUTONG_PUBLIC_URL="$public" HUTONG_GUARD_FEEDS_DIR="$BENCH_TMP/feeds" \
    HUTONG_TRUSTED_PROXIES=127.0.0.1 "$HUTONG" serve 2>>"$BENCH_TMP/$name.log" &
  BENCH_PIDS+=($!)
  bench_wait_port "$port"
}

# seed NAME DB_URL ENTRY_URL — a merchant, a product and the links; writes NAME.env and NAME.lua.
seed() {
  local name=$1 db=$2 entry=$3
  HUTONG_DB="$db" "$HUTONG" migrate >/dev/null
  local merchant key
  merchant=$(HUTONG_DB="$db" "$HUTONG" merchant create --name Bench)
  key=$(HUTONG_DB="$db" "$HUTONG" apikey create --merchant "$merchant" 2>/dev/null)
  "$PYTHON" bench/cluster_driver.py seed "$entry" "$key" "$BENCH_LINKS" >"$BENCH_TMP/$name.seed"
  echo "merchant=$merchant key=$key product=$(awk '$1 == "product" {print $2}' "$BENCH_TMP/$name.seed")" \
    >"$BENCH_TMP/$name.env"
  {
    echo "local codes = {"
    grep -v '^product ' "$BENCH_TMP/$name.seed" | sed 's/.*/"&",/'
    echo "}"
    echo 'local counter = 0'
    echo 'request = function() counter = counter + 1; return wrk.format("GET", "/R/" .. codes[(counter * 7919) % #codes + 1]) end'
  } >"$BENCH_TMP/$name.lua"
}

sqlite_port=$(bench_free_port)
start_node "$sqlite_port" "sqlite:$BENCH_TMP/bench.db" sqlite "http://127.0.0.1:$sqlite_port"
seed sqlite "sqlite:$BENCH_TMP/bench.db" "http://127.0.0.1:$sqlite_port"

psql -X -q -d "$pg_url" -c 'CREATE DATABASE bench' >/dev/null
pg_db="${pg_url%/*}/bench"
port_a=$(bench_free_port)
port_b=$(bench_free_port)
lb1=$(bench_free_port)
lb2=$(bench_free_port)
# One nginx, two sites: over node A alone, and round robin over A and B.
proxy="proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$http_host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
bench_nginx "$lb1" "location / { proxy_pass http://node_a; $proxy }" \
  "upstream node_a { server 127.0.0.1:$port_a; keepalive 64; }
  upstream nodes_ab { server 127.0.0.1:$port_a; server 127.0.0.1:$port_b; keepalive 64; }
  server { listen 127.0.0.1:$lb2; location / { proxy_pass http://nodes_ab; $proxy } }"
bench_wait_port "$lb2"
start_node "$port_a" "$pg_db" pg_a "http://127.0.0.1:$lb2"
start_node "$port_b" "$pg_db" pg_b "http://127.0.0.1:$lb2"
seed pg "$pg_db" "http://127.0.0.1:$lb2"

entry_of() {
  case $1 in
  sqlite) echo "http://127.0.0.1:$sqlite_port" ;;
  pg1) echo "http://127.0.0.1:$port_a" ;;
  pg1lb) echo "http://127.0.0.1:$lb1" ;;
  pg2) echo "http://127.0.0.1:$lb2" ;;
  esac
}
data_of() { [ "$1" = sqlite ] && echo sqlite || echo pg; }

declare -A rps p99 loops loop_p50 loop_p99 loop_errors
for config in "${CONFIGS[@]}"; do
  curl -sf -o /dev/null -w '%{http_code}' "$(entry_of "$config")/R/$(sed -n 2p "$BENCH_TMP/$(data_of "$config").seed")" |
    grep -q 302
  BENCH_DURATION_S=$BENCH_WARM_S bench_wrk "$(entry_of "$config")/" -s "$BENCH_TMP/$(data_of "$config").lua" >/dev/null
done
for round in $(seq 1 "$BENCH_ROUNDS"); do
  echo "== round $round of $BENCH_ROUNDS"
  for config in "${CONFIGS[@]}"; do
    entry=$(entry_of "$config")
    data=$(data_of "$config")
    rps[$config]+="$(bench_wrk "$entry/" -s "$BENCH_TMP/$data.lua") "
    p99[$config]+="$(bench_wrk_p99 | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next}
      /s$/ {print $1 * 1000; next} {print $1}') "
    # shellcheck disable=SC1090
    source "$BENCH_TMP/$data.env"
    read -r n p50 p99_loop failed < <("$PYTHON" bench/cluster_driver.py pay-loop "$entry" "$key" "$merchant" \
      "$product" "$SECRET" "$BENCH_DURATION_S" "$BENCH_PAY_WORKERS")
    loops[$config]+="$n "
    loop_p50[$config]+="$p50 "
    loop_p99[$config]+="$p99_loop "
    loop_errors[$config]=$((${loop_errors[$config]:-0} + failed))
  done
done

# median VALUES... — the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s–%s", lo, hi}'; }

declare -A med_rps med_loops
echo
printf '%-34s %20s %9s %20s %9s %9s %7s\n' "median of $BENCH_ROUNDS rounds" "/R/ req/s (range)" "p99 ms" \
  "loops/s (range)" "p50 ms" "p99 ms" "failed"
for config in "${CONFIGS[@]}"; do
  case $config in
  sqlite) name="SQLite, 1 node" ;;
  pg1) name="PostgreSQL, 1 node" ;;
  pg1lb) name="PostgreSQL, 1 node behind nginx" ;;
  pg2) name="PostgreSQL, 2 nodes behind nginx" ;;
  esac
  # shellcheck disable=SC2086
  {
    med_rps[$config]=$(median ${rps[$config]})
    med_loops[$config]=$(median ${loops[$config]})
    printf '%-34s %9.0f %10s %9s %9.1f %10s %9s %9s %7s\n' "$name" "${med_rps[$config]}" \
      "($(range ${rps[$config]} | awk -F– '{printf "%.0f–%.0f", $1, $2}'))" "$(median ${p99[$config]})" \
      "${med_loops[$config]}" "($(range ${loops[$config]}))" "$(median ${loop_p50[$config]})" \
      "$(median ${loop_p99[$config]})" "${loop_errors[$config]}"
  }
done
echo
echo "ratios of the medians                 /R/   pay loop"
echo "PostgreSQL 1 node / SQLite           $(bench_ratio "${med_rps[pg1]}" "${med_rps[sqlite]}")   $(bench_ratio "${med_loops[pg1]}" "${med_loops[sqlite]}")"
echo "1 node behind nginx / 1 node         $(bench_ratio "${med_rps[pg1lb]}" "${med_rps[pg1]}")   $(bench_ratio "${med_loops[pg1lb]}" "${med_loops[pg1]}")"
echo "2 nodes / 1 node (both behind nginx) $(bench_ratio "${med_rps[pg2]}" "${med_rps[pg1lb]}")   $(bench_ratio "${med_loops[pg2]}" "${med_loops[pg1lb]}")"
echo "2 nodes behind nginx / 1 node direct $(bench_ratio "${med_rps[pg2]}" "${med_rps[pg1]}")   $(bench_ratio "${med_loops[pg2]}" "${med_loops[pg1]}")"
echo "cores: $(nproc) (wrk, the pay-loop driver, nginx, the nodes and PostgreSQL share them)"
