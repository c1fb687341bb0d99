# bench/lib.sh — shared helpers for the benchmarks: free ports, a throwaway nginx, wrk runs.
# Sourced by bench/*.sh. Everything listens on 127.0.0.1 and is stopped on exit.

BENCH_DURATION_S=${BENCH_DURATION_S:-10}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_TMP=$(mktemp -d)
BENCH_PIDS=()

bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$BENCH_TMP/nginx.pid" ] && kill "$(cat "$BENCH_TMP/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

bench_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listening on port $1" >&2
  return 1
}

# bench_nginx PORT LOCATIONS [HTTP_BLOCKS] — starts nginx with one worker per core and the
# given `location` blocks (and `upstream` or other http-level blocks); no access log (hutong
# runs with its access log off too).
bench_nginx() {
  local port=$1 locations=$2 http_blocks=${3:-}
  mkdir -p "$BENCH_TMP/nginx"
  cat >"$BENCH_TMP/nginx.conf" <<CONF
worker_processes $(nproc);
pid $BENCH_TMP/nginx.pid;
error_log $BENCH_TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $BENCH_TMP/nginx;
  proxy_temp_path $BENCH_TMP/nginx;
  fastcgi_temp_path $BENCH_TMP/nginx;
  uwsgi_temp_path $BENCH_TMP/nginx;
  scgi_temp_path $BENCH_TMP/nginx;
  $http_blocks
  server {
    listen 127.0.0.1:$port;
    $locations
  }
}
CONF
  nginx -c "$BENCH_TMP/nginx.conf" -p "$BENCH_TMP" -g 'daemon on;' 2>>"$BENCH_TMP/nginx-error.log"
  bench_wait_port "$port"
}

# bench_wrk URL [extra wrk args...] — prints requests/second (a number).
bench_wrk() {
  local url=$1
  shift
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION_S}s" --latency "$@" "$url" >"$BENCH_TMP/wrk.out" 2>&1
  awk '/^Requests\/sec:/ {print $2}' "$BENCH_TMP/wrk.out"
}

# The p99 latency line of the last bench_wrk run.
bench_wrk_p99() { awk '$1 == "99%" {print $2}' "$BENCH_TMP/wrk.out"; }

bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
