#!/usr/bin/env bash
# `make run`: builds (done by make), applies migrations, seeds the demo store once, prints
# the demo merchant's API key, dashboard password, the demo product's QR code and the URLs to
# open, and starts hutong on 127.0.0.1:8080 with SQLite at var/hutong.db.
set -euo pipefail
cd "$(dirname "$0")/.."

export HUTONG_DB="${HUTONG_DB:-sqlite:var/hutong.db}"
export HUTONG_LISTEN="${HUTONG_LISTEN:-127.0.0.1:8080}"
export HUTONG_PUBLIC_URL="${HUTONG_PUBLIC_URL:-http://$HUTONG_LISTEN}"
mkdir -p var
bin=build/src/hutong

"$bin" migrate
seed=$("$bin" demo seed)
merchant_id=$(sed -n 's/^merchant_id=//p' <<<"$seed")
api_key=$(sed -n 's/^api_key=//p' <<<"$seed")
password=$(sed -n 's/^password=//p' <<<"$seed")
product_code=$(sed -n 's/^product_code=//p' <<<"$seed")

cat <<EOT

  hutong demo store (merchant $merchant_id)
  store:     $HUTONG_PUBLIC_URL/S/$(sed -n 's/^store_code=//p' <<<"$seed")
  dashboard: $HUTONG_PUBLIC_URL/M/ — merchant id $merchant_id, password $password
  API key:   $api_key
  Health:    $HUTONG_PUBLIC_URL/healthz
  Products:  curl -H 'Authorization: Bearer $api_key' $HUTONG_PUBLIC_URL/v1/products

EOT

# The demo product's QR code, to scan from the terminal with a phone on the same network
# (set HUTONG_LISTEN=0.0.0.0:8080 and HUTONG_PUBLIC_URL=http://<this machine's address>:8080).
if [ -n "$product_code" ]; then
  echo "  Scan to open the demo product:"
  "$bin" qr "$product_code"
  echo "  Link:      $HUTONG_PUBLIC_URL/P/$product_code"
  echo
fi
exec "$bin" serve
