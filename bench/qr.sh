#!/usr/bin/env bash
# bench/qr.sh — how fast a product's QR code becomes SVG: our whole path (encode + SVG) against
# the raw libqrencode encode it builds on (goal: at most 1.3x its time) and against npm's
# `qrcode` package, the usual choice of a Node server (goal: at least 5x faster). Everything
# runs on the same distinct links in the same run; the C and Node passes alternate `reps` times
# and each keeps its best, so a busy neighbour on the shared machine hurts both alike.
# Usage: bench/qr.sh [codes] [rounds] [reps]
set -euo pipefail
cd "$(dirname "$0")/.."
codes=${1:-2000}
rounds=${2:-7}
reps=${3:-3}

[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench/qr_bench >/dev/null
if [ ! -d bench/node_modules/qrcode ]; then
  (cd bench && npm ci --no-audit --no-fund --silent)
fi
mkdir -p bench/out
: >bench/out/qr_c.txt
: >bench/out/qr_npm.txt
for _ in $(seq "$reps"); do
  build/bench/qr_bench --count "$codes" --rounds "$rounds" --links-out bench/out/qr_links.txt >>bench/out/qr_c.txt
  node bench/qr_npm.js bench/out/qr_links.txt "$rounds" >>bench/out/qr_npm.txt
done

val() { awk -v k="$1" '$1 == k { print $2 }' "$2" | head -1; }
best() { awk -v k="$1" '$1 == k && (min == "" || $2 < min) { min = $2 } END { print min }' "$2"; }
raw=$(best raw_encode_us bench/out/qr_c.txt)
ours=$(best svg_render_us bench/out/qr_c.txt)
npm=$(best npm_svg_us bench/out/qr_npm.txt)
npm_version=$(val npm_qrcode_version bench/out/qr_npm.txt)
node_version=$(val node_version bench/out/qr_npm.txt)

awk -v codes="$codes" -v rounds="$rounds" -v reps="$reps" -v raw="$raw" -v ours="$ours" -v npm="$npm" \
    -v npmv="$npm_version" -v nodev="$node_version" 'BEGIN {
  printf "QR to SVG: %d distinct upper-case links, level M, best of %d x %d rounds (monotonic clock)\n\n", codes, reps, rounds
  printf "| %-52s | %11s |\n", "what", "us per code"
  printf "|%s|%s|\n", "------------------------------------------------------", "-------------"
  printf "| %-52s | %11.2f |\n", "libqrencode QRcode_encodeString (encode only)", raw
  printf "| %-52s | %11.2f |\n", "hutong qr_render_text, SVG (encode + render)", ours
  printf "| %-52s | %11.2f |\n", "npm qrcode " npmv " toString svg (node " nodev ")", npm
  printf "\nours / raw libqrencode = %.2f (goal <= 1.30: %s)\n", ours / raw, ((ours / raw <= 1.3) ? "met" : "NOT met")
  printf "npm / ours             = %.1fx (goal >= 5x: %s)\n", npm / ours, ((npm / ours >= 5) ? "met" : "NOT met")
}'
