#!/usr/bin/env bash
# bench/links.sh — link resolution with 100,000 links and 100,000 products in the store, each
# request naming a random code (bench/codes.lua), wrk with 64 connections, against nginx in
# the same run:
#   GET /R/{code}            (302)                 vs nginx `return 302`          goal >= 0.9
#   GET /P/{code}            (landing, desktop UA) vs nginx, a static file of the same size
#                                                                                 goal >= 0.6
#   GET /qr/{code}.svg       (QR image)            vs hutong's own /R/ above      goal >= 0.8
# Rows are written straight into a migrated SQLite database (bench/seed_codes.py); products
# carry a valid share token, as after their first view.
#   BENCH_DURATION_S=10 BENCH_CONNECTIONS=64 BENCH_CODES=100000 bench/links.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
make -s build

codes_n=${BENCH_CODES:-100000}
desktop_ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'
export HUTONG_DB="sqlite:$BENCH_TMP/hutong.db" HUTONG_SECRET=bench-secret-0123456789abcdef0123456789
export HUTONG_ACCESS_LOG=off
bin=build/src/hutong

"$bin" migrate >/dev/null
merchant=$("$bin" merchant create --name "Bench Shop")
seed_started=$(date +%s.%N)
/usr/bin/python3 bench/seed_codes.py "$BENCH_TMP/hutong.db" "$merchant" "$codes_n" "$codes_n" "$BENCH_TMP/codes.txt" --tokens
awk '$1 == "P" {print $2}' "$BENCH_TMP/codes.txt" >"$BENCH_TMP/products.txt"
awk '$1 == "R" {print $2}' "$BENCH_TMP/codes.txt" >"$BENCH_TMP/links.txt"
printf 'seeded %d products and %d links in %.1f s\n' "$codes_n" "$codes_n" \
  "$(echo "$(date +%s.%N) - $seed_started" | bc)"

hutong_port=$(bench_free_port)
HUTONG_LISTEN="127.0.0.1:$hutong_port" "$bin" serve 2>"$BENCH_TMP/hutong.log" >/dev/null &
BENCH_PIDS+=($!)
bench_wait_port "$hutong_port"
hutong="http://127.0.0.1:$hutong_port"

# The anchors: a 302 with a Location as long as ours, and the landing page's bytes as a file.
sample_product=$(head -1 "$BENCH_TMP/products.txt")
sample_link=$(head -1 "$BENCH_TMP/links.txt")
location=$(curl -s -o /dev/null -w '%{redirect_url}' "$hutong/R/$sample_link")
mkdir -p "$BENCH_TMP/www"
curl -s -A "$desktop_ua" "$hutong/P/$sample_product" >"$BENCH_TMP/www/landing.html"
landing_bytes=$(wc -c <"$BENCH_TMP/www/landing.html")
grep -q 'data-handoff-product' "$BENCH_TMP/www/landing.html"
nginx_port=$(bench_free_port)
bench_nginx "$nginx_port" "
    root $BENCH_TMP/www;
    location /R/ { return 302 '$location'; }
    location /P/ { default_type text/html; try_files /landing.html =404; }"
nginx="http://127.0.0.1:$nginx_port"
curl -s -o /dev/null -w '%{http_code}' "$nginx/R/$sample_link" | grep -q 302

# Each measurement follows a warm-up of the same load (BENCH_WARMUP_S, default 5 s, not
# counted): caches fill, connections settle, for nginx and hutong alike.
BENCH_WARMUP_S=${BENCH_WARMUP_S:-5}
run() { # run URL PREFIX SUFFIX CODES [wrk options...]: req/s (script arguments follow the URL)
  local url=$1 prefix=$2 suffix=$3 codes=$4
  shift 4
  [ "$BENCH_WARMUP_S" -gt 0 ] && wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_WARMUP_S}s" \
    -s bench/codes.lua "$@" "$url" -- "$prefix" "$suffix" "$codes" >/dev/null 2>&1
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION_S}s" --latency -s bench/codes.lua "$@" \
    "$url" -- "$prefix" "$suffix" "$codes" >"$BENCH_TMP/wrk.out" 2>&1
  awk '/^Requests\/sec:/ {print $2}' "$BENCH_TMP/wrk.out"
}

# Priming: one pass over every code (curl, 16 in parallel), as a server that has been running
# has seen its catalogue; its rate is the cold number (every row and QR symbol read or encoded).
# hutong's measurements each follow a priming pass of their own: the row cache keeps an entry
# a minute (web/code_cache.h), and between two rounds nothing else would keep it warm, which
# steady traffic over the catalogue does.
prime() { # prime PREFIX SUFFIX CODES [curl options...]: requests/second of the pass
  local prefix=$1 suffix=$2 codes=$3
  shift 3
  awk -v base="$hutong$prefix" -v suffix="$suffix" \
    '{printf "url = \"%s%s%s\"\noutput = \"/dev/null\"\n", base, $1, suffix}' "$codes" >"$BENCH_TMP/prime.cfg"
  local started=$(date +%s.%N)
  curl -s --no-progress-meter --parallel --parallel-max 16 "$@" -K "$BENCH_TMP/prime.cfg" 2>/dev/null
  echo "$(wc -l <"$codes") / ($(date +%s.%N) - $started)" | bc
}
cold_302=0 cold_page=0

# Rounds alternate between the anchor and hutong; the best of each is kept (the least
# disturbed by other work on the machine), as bench/qr_bench.c does.
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
nginx_302=0 hutong_302=0 nginx_page=0 hutong_page=0 hutong_qr=0
for round in $(seq 1 "$BENCH_ROUNDS"); do
  nginx_302=$(best "$nginx_302" "$(run "$nginx" /R/ "" "$BENCH_TMP/links.txt")")
  pass=$(prime /R/ "" "$BENCH_TMP/links.txt")
  [ "$round" = 1 ] && cold_302=$pass # later passes find the symbols and rows of the first
  hutong_302=$(best "$hutong_302" "$(run "$hutong" /R/ "" "$BENCH_TMP/links.txt")")
  nginx_page=$(best "$nginx_page" "$(run "$nginx" /P/ "" "$BENCH_TMP/products.txt" -H "User-Agent: $desktop_ua")")
  pass=$(prime /P/ "" "$BENCH_TMP/products.txt" -A "$desktop_ua")
  [ "$round" = 1 ] && cold_page=$pass
  hutong_page=$(best "$hutong_page" "$(run "$hutong" /P/ "" "$BENCH_TMP/products.txt" -H "User-Agent: $desktop_ua")")
  prime /qr/ .svg "$BENCH_TMP/products.txt" >/dev/null
  hutong_qr=$(best "$hutong_qr" "$(run "$hutong" /qr/ .svg "$BENCH_TMP/products.txt")")
  BENCH_WARMUP_S=0 # the first round warmed everything up
done


printf '\n%d links + %d products, random codes, wrk %s connections, best of %s rounds of %s s\n' \
  "$codes_n" "$codes_n" "$BENCH_CONNECTIONS" "$BENCH_ROUNDS" "$BENCH_DURATION_S"
printf '%-44s %12s\n' "" "req/s"
printf '%-44s %12s\n' "nginx return 302" "$nginx_302"
printf '%-44s %12s\n' "hutong GET /R/{code} (302)" "$hutong_302"
printf '%-44s %12s\n' "nginx static file ($landing_bytes bytes)" "$nginx_page"
printf '%-44s %12s\n' "hutong GET /P/{code} (desktop landing)" "$hutong_page"
printf '%-44s %12s\n' "hutong GET /qr/{code}.svg" "$hutong_qr"
printf '%-44s %12s\n' "cold: first pass over /R/ (curl, 16 at once)" "$cold_302"
printf '%-44s %12s\n' "cold: first pass over /P/ (curl, 16 at once)" "$cold_page"
echo "(the cold passes are curl's: 16 connections in one process, not comparable with wrk's rates)"
echo "ratio redirect  hutong/nginx: $(bench_ratio "$hutong_302" "$nginx_302") (goal >= 0.9)"
echo "ratio landing   hutong/nginx: $(bench_ratio "$hutong_page" "$nginx_page") (goal >= 0.6)"
echo "ratio qr        qr/redirect:  $(bench_ratio "$hutong_qr" "$hutong_302") (goal >= 0.8)"
exit 0
