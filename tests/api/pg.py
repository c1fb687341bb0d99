"""PostgreSQL helpers for the API tests: a fresh database per server, and plain SQL through psql.

HUTONG_TEST_DB names a throwaway cluster (tests/pg/cluster.sh prints such a URL), e.g.
postgres://hutong@127.0.0.1:PORT/postgres, optionally with hutong's own `?prepare=off`. The
database in that URL is only the maintenance database: every test server gets its own
`hutong_<random>` database next to it, created here and dropped when the server stops, so test
modules never see each other's rows. psql (Debian's wrapper, or HUTONG_PSQL) runs the SQL, so
the tests need no Python driver.
"""
import glob
import os
import secrets
import shutil
import subprocess
import urllib.parse

# Bounded waits for every psql call; CREATE/DROP DATABASE take well under a second.
PSQL_TIMEOUT_S = 30
# Options of hutong's driver that libpq (and therefore psql) does not know.
HUTONG_ONLY_OPTIONS = ("prepare",)


def psql_path():
    explicit = os.environ.get("HUTONG_PSQL")
    if explicit:
        return explicit
    found = shutil.which("psql")
    if found:
        return found
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    if versions:
        return versions[-1]
    raise RuntimeError("psql not found: install Debian's postgresql-client or set HUTONG_PSQL")


def with_database(url, name, keep_hutong_options=True):
    """The same server URL naming database `name` (hutong-only options kept or dropped)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
             if keep_hutong_options or k not in HUTONG_ONLY_OPTIONS]
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, "/" + name, urllib.parse.urlencode(query), ""))


def database_name(url):
    return urllib.parse.urlsplit(url).path.lstrip("/")


def libpq_url(url):
    """`url` without hutong's own options, for libpq clients such as psql."""
    return with_database(url, database_name(url), keep_hutong_options=False)


def psql(url, sql):
    """Runs `sql` (one or more statements) on the database of `url`; returns the rows as lists
    of strings (unaligned, tab-separated). Raises with psql's message on any error."""
    r = subprocess.run([psql_path(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", libpq_url(url)], input=sql.encode(), capture_output=True, timeout=PSQL_TIMEOUT_S)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {r.stderr.decode(errors='replace')}\nSQL: {sql}")
    return [line.split("\t") for line in r.stdout.decode().splitlines() if line]


def literal(value):
    """A SQL literal for a test parameter (standard_conforming_strings is on since 9.1)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def bind(sql, params):
    """Replaces each `?` of `sql` (sqlite3's placeholder) with a literal of the next parameter."""
    pieces = sql.split("?")
    if len(pieces) != len(params) + 1:
        raise ValueError(f"{len(pieces) - 1} placeholders for {len(params)} parameters: {sql}")
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:]):
        out += [literal(value), piece]
    return "".join(out)


def create_database(cluster_url):
    """Creates an empty database in the cluster; returns its URL (with the cluster URL's options)."""
    name = "hutong_" + secrets.token_hex(6)
    psql(cluster_url, f'CREATE DATABASE "{name}"')
    return with_database(cluster_url, name)


def drop_database(cluster_url, url):
    """Drops the database of `url`, closing any connection still open to it."""
    psql(cluster_url, f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


def terminate_backends(cluster_url, url, application_name=None):
    """Ends every server process connected to the database of `url` (as a failover or an
    administrator would), or only those of one application; returns how many were ended."""
    only = f" AND application_name = {literal(application_name)}" if application_name else ""
    rows = psql(cluster_url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                             f" WHERE datname = {literal(database_name(url))} AND pid <> pg_backend_pid()"
                             + only)
    return int(rows[0][0])
