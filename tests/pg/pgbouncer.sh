#!/usr/bin/env bash
# A throwaway pgbouncer in transaction mode in front of a test cluster (tests/pg/cluster.sh).
#
#   tests/pg/pgbouncer.sh start DIR PG_URL   creates DIR, starts pgbouncer on a free port on
#                                            127.0.0.1 in front of PG_URL's server (every
#                                            database), prints its URL on stdout
#                                            (postgres://hutong@127.0.0.1:PORT/postgres)
#   tests/pg/pgbouncer.sh stop DIR           stops it (if running) and removes DIR entirely
#
# pool_mode = transaction, as a deployment with many nodes would run it (docs/SCALING.md);
# trust authentication on loopback, like the cluster behind it. pgbouncer refuses to run as
# root, so under root it runs as the same unprivileged user as the cluster (`hutong-test`).
# The role `hutong` may also open the admin console (database `pgbouncer`: SHOW CLIENTS).
set -euo pipefail

# PG_ROLE, PG_OS_USER, as_owner, free_port.
source "$(dirname "$0")/common.sh"
# Seconds to wait for pgbouncer to listen or to exit.
WAIT_S=20
# Server connections per database and user: far fewer than the clients the tests open.
POOL_SIZE=8

usage() {
  echo "usage: $0 start DIR PG_URL | stop DIR" >&2
  exit 2
}

wait_port() {
  for _ in $(seq 1 $((WAIT_S * 20))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

start() {
  local dir=$1 pg_url=$2
  command -v pgbouncer >/dev/null || {
    echo "pgbouncer.sh: pgbouncer is not installed (Debian's pgbouncer package)" >&2
    exit 1
  }
  local pg_port=${pg_url##*:}
  pg_port=${pg_port%%/*}
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER:" "$dir"
  chmod 700 "$dir"
  local port
  port=$(free_port)
  as_owner tee "$dir/pgbouncer.ini" >/dev/null <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $PG_ROLE
pool_mode = transaction
default_pool_size = $POOL_SIZE
max_client_conn = 500
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  echo "\"$PG_ROLE\" \"\"" | as_owner tee "$dir/userlist.txt" >/dev/null
  as_owner pgbouncer -d "$dir/pgbouncer.ini" >/dev/null 2>&1 || {
    cat "$dir/pgbouncer.log" >&2 2>/dev/null || true
    exit 1
  }
  wait_port "$port" || {
    echo "pgbouncer.sh: pgbouncer did not listen on $port" >&2
    exit 1
  }
  echo "postgres://$PG_ROLE@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
      for _ in $(seq 1 $((WAIT_S * 20))); do
        kill -0 "$pid" 2>/dev/null || break
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.05
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

[ $# -ge 2 ] || usage
case "$1" in
start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
stop) [ $# -eq 2 ] || usage; stop "$2" ;;
*) usage ;;
esac
