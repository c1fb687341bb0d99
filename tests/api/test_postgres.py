"""PostgreSQL driver behaviour seen from outside: the server keeps answering after the database
ends its sessions (a failover, a restart, an administrator's pg_terminate_backend), and a
statement stuck behind a lock is cancelled by the statement timeout and answered 503.

These run in make test's PostgreSQL passes (HUTONG_TEST_DB=postgres://...), once with prepared
statements and once with `prepare=off`; on SQLite there are no backends to end.
"""
import os
import subprocess
import threading
import time

import pytest

import pg
from conftest import ENGINE, TEST_DB

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL only (make test's PostgreSQL pass)")

# The driver's statement timeout (PG_STATEMENT_TIMEOUT_MS in src/store/db_postgres.c).
STATEMENT_TIMEOUT_S = 5
# Parallel clients in the concurrent test: more than the server's 2 workers, so requests
# overlap and more than one pooled connection meets a dead session.
CLIENTS = 6
REQUESTS_PER_CLIENT = 10
# application_name of the psql session that holds a lock in the timeout test.
LOCKER_NAME = "hutong-test-locker"


def product(title):
    return {"title": title, "price_minor": 100}


def listed(c):
    r = c.get("/v1/products?status=all&limit=100")
    assert r.status == 200, r
    return [p["title"] for p in r.json["data"]]


def test_server_answers_after_its_sessions_are_ended(server, merchant):
    c, _, _ = merchant
    assert c.post("/v1/products", product("before")).status == 201
    for round_ in range(3):
        assert server.terminate_backends() >= 1
        # A read first: the authentication lookup runs outside a transaction.
        assert listed(c)[-1] == "before"
        assert server.terminate_backends() >= 1
        # A write first: the handler's transaction starts on a dead session (BEGIN is retried).
        r = c.post("/v1/products", product(f"after {round_}"), headers={"Idempotency-Key": f"r{round_}"})
        assert r.status == 201, r
    assert sorted(listed(c)) == ["after 0", "after 1", "after 2", "before"]
    assert "hutong_db_errors_total 0" in c.get("/metrics").text
    assert "connection was lost; reconnected" in server.log()


def test_concurrent_requests_after_sessions_are_ended(server, merchant):
    _, _, key = merchant
    assert server.terminate_backends() >= 1
    statuses = []
    lock = threading.Lock()

    def work(n):
        c = server.client(key)
        for i in range(REQUESTS_PER_CLIENT):
            r = c.post("/v1/products", product(f"c{n}-{i}")) if i % 2 else c.get("/v1/products?limit=1")
            with lock:
                statuses.append(r.status)
        c.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses and set(statuses) <= {200, 201}, statuses
    assert len(statuses) == CLIENTS * REQUESTS_PER_CLIENT


def test_statement_stuck_behind_a_lock_times_out_with_503(server, merchant):
    c, _, _ = merchant
    assert c.post("/v1/products", product("locked")).status == 201
    # Another session holds an exclusive lock on products for longer than the timeout.
    hold_s = STATEMENT_TIMEOUT_S * 3
    env = dict(os.environ, PGAPPNAME=LOCKER_NAME)
    locker = subprocess.Popen(
        [pg.psql_path(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.libpq_url(server.db_url), "-c",
         f"BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({hold_s}); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 10
        while not lock_held(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock_held(server), "the locking session did not take its lock"
        started = time.monotonic()
        r = c.get("/v1/products")
        waited = time.monotonic() - started
        assert r.status == 503 and r.error_code() == "busy", r
        assert r.header("Retry-After") == "1"
        assert STATEMENT_TIMEOUT_S - 1 < waited < hold_s, waited
    finally:
        locker.terminate()
        locker.wait(timeout=10)
        # psql's backend would hold the lock until pg_sleep ends; end it now.
        pg.terminate_backends(TEST_DB, server.db_url, application_name=LOCKER_NAME)
    # Once the lock is gone the same server answers normally.
    assert listed(c) == ["locked"]


def lock_held(server):
    rows = pg.psql(TEST_DB, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                            f" WHERE d.datname = {pg.literal(pg.database_name(server.db_url))}"
                            " AND l.mode = 'AccessExclusiveLock' AND l.granted AND l.relation IS NOT NULL")
    return int(rows[0][0]) > 0
