#!/usr/bin/env bash
# Installs the Debian packages and npm modules hutong needs to build, run and test, when they
# are missing. Idempotent and quiet when everything is present; `apt-get update` runs only when
# something has to be installed. Both `make run` and `make test` call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and runtime libraries (the design brief's chosen dependencies).
packages_build=(
  build-essential meson ninja-build pkg-config clang-format
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libqrencode-dev libpng-dev
  libcairo2-dev libssl-dev libcurl4-openssl-dev libidn2-dev libpsl-dev libicu-dev
  libargon2-dev libpango1.0-dev fonts-noto-cjk sqlite3 curl ca-certificates
)
# Tools the test suites and benchmarks drive (real decoders, real servers, real browser).
packages_test=(
  libcmocka-dev python3 python3-pytest zbar-tools librsvg2-bin poppler-utils postgresql nginx-light wrk
  valgrind clang libclang-rt-14-dev nodejs npm chromium procps
  python3-cryptography pgbouncer
)

want=("${packages_build[@]}")
[ "${1:-}" = "--test" ] && want+=("${packages_test[@]}")

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  # A tool that is already on PATH (e.g. a preinstalled node/npm) counts as present.
  case "$p" in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Browser-test driver from npm; never lets it download a browser (Debian's chromium is used).
if [ "${1:-}" = "--test" ] && [ -f tests/e2e/package.json ] && [ ! -d tests/e2e/node_modules/playwright-core ]; then
  echo "deps: npm install in tests/e2e" >&2
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent)
fi
exit 0
