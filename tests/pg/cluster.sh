#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites.
#
#   tests/pg/cluster.sh start DIR   creates DIR, initdb's a cluster in it, starts it on a free
#                                   port on 127.0.0.1 and prints its URL on stdout
#                                   (postgres://hutong@127.0.0.1:PORT/postgres)
#   tests/pg/cluster.sh stop DIR    stops the cluster (if running) and removes DIR entirely
#
# The server listens only on 127.0.0.1, keeps its unix socket inside DIR and trusts every
# local connection: it holds test data only and lives for one run. fsync stays on, so the
# suites see the same durability as production. initdb refuses to run as root, so under root
# (CI) every PostgreSQL command runs as the unprivileged system user `hutong-test`, created
# once if missing; otherwise as the calling user. Every wait is bounded. PG_BIN overrides the
# directory of the PostgreSQL binaries (default: Debian's newest /usr/lib/postgresql/N/bin).
set -euo pipefail

# Seconds pg_ctl may wait for the server to start or stop before the script gives up.
PG_CTL_WAIT_S=30
# PG_ROLE, PG_OS_USER, as_owner, free_port.
source "$(dirname "$0")/common.sh"
# Attempts at picking a free port (another process may take the one we picked first).
PORT_ATTEMPTS_MAX=3

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
dir=$2

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return
  fi
  local newest
  newest=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ -d "$newest" ] || {
    echo "cluster.sh: no PostgreSQL binaries (install Debian's postgresql or set PG_BIN)" >&2
    exit 1
  }
  echo "$newest"
}

ensure_os_user() {
  id -u "$PG_OS_USER" >/dev/null 2>&1 && return
  # A concurrent run may create it between the check and useradd; check again on failure.
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    "$PG_OS_USER" 2>/dev/null || id -u "$PG_OS_USER" >/dev/null
}

start() {
  local bin
  bin=$(find_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    ensure_os_user
    chown "$PG_OS_USER:" "$dir"
    as_owner test -w "$dir" || {
      echo "cluster.sh: $PG_OS_USER cannot write $dir (is a parent directory private? set TMPDIR)" >&2
      exit 1
    }
  fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U "$PG_ROLE" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  local port attempt
  for attempt in $(seq "$PORT_ATTEMPTS_MAX"); do
    port=$(free_port)
    # postgresql.conf is read top to bottom, so these lines override initdb's defaults.
    as_owner tee "$dir/data/conf.d-test.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 32MB
EOF
    grep -q "^include_if_exists = 'conf.d-test.conf'" "$dir/data/postgresql.conf" ||
      echo "include_if_exists = 'conf.d-test.conf'" | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$PG_CTL_WAIT_S" start >/dev/null; then
      echo "postgres://$PG_ROLE@127.0.0.1:$port/postgres"
      return
    fi
    echo "cluster.sh: start on port $port failed (attempt $attempt):" >&2
    tail -n 5 "$dir/server.log" >&2 || true
  done
  exit 1
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    local bin
    bin=$(find_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t "$PG_CTL_WAIT_S" stop >/dev/null 2>&1 ||
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t "$PG_CTL_WAIT_S" stop >/dev/null 2>&1 || {
      local pid
      pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    }
  fi
  rm -rf "$dir"
}

case "$action" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
