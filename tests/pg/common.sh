# tests/pg/common.sh — what the throwaway PostgreSQL cluster (cluster.sh) and the pgbouncer in
# front of it (pgbouncer.sh) share: the role and OS user they run as, and two helpers. Sourced,
# not run.

# The cluster's superuser role, whatever OS user runs it; tests connect as this role.
PG_ROLE=hutong
# The OS user that owns the cluster (and runs pgbouncer) when the scripts run as root:
# initdb and pgbouncer both refuse to run as root.
PG_OS_USER=hutong-test

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

# Prints a TCP port free on 127.0.0.1 right now (someone may take it before we bind it).
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
