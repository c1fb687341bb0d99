#!/usr/bin/env bash
# bench/http.sh — hutong's GET /healthz against nginx returning the same small body, in the
# same run, with wrk (64 connections by default). Prints both and the ratio (goal ≥ 0.9×).
#   BENCH_DURATION_S=10 BENCH_CONNECTIONS=64 bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
make -s build

body='{"status":"ok"}'
nginx_port=$(bench_free_port)
bench_nginx "$nginx_port" "location = /healthz { default_type application/json; return 200 '$body'; }"

hutong_port=$(bench_free_port)
HUTONG_DB="sqlite:$BENCH_TMP/hutong.db" HUTONG_SECRET=bench-secret-0123456789abcdef0123456789 \
  HUTONG_ACCESS_LOG=off HUTONG_LISTEN="127.0.0.1:$hutong_port" build/src/hutong serve 2>"$BENCH_TMP/hutong.log" &
BENCH_PIDS+=($!)
bench_wait_port "$hutong_port"

curl -sf "http://127.0.0.1:$nginx_port/healthz" | grep -q ok
curl -sf "http://127.0.0.1:$hutong_port/healthz" | grep -q ok

nginx_rps=$(bench_wrk "http://127.0.0.1:$nginx_port/healthz"); nginx_p99=$(bench_wrk_p99)
hutong_rps=$(bench_wrk "http://127.0.0.1:$hutong_port/healthz"); hutong_p99=$(bench_wrk_p99)

printf '%-28s %12s %10s\n' "GET /healthz" "req/s" "p99"
printf '%-28s %12s %10s\n' "nginx (return 200)" "$nginx_rps" "$nginx_p99"
printf '%-28s %12s %10s\n' "hutong" "$hutong_rps" "$hutong_p99"
echo "ratio hutong/nginx: $(bench_ratio "$hutong_rps" "$nginx_rps") (goal >= 0.9)"
