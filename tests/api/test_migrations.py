"""Migrations when many nodes start at once on an empty database (a fresh deployment of several
`hutong serve` processes): every process succeeds and each migration is applied exactly once.
Runs on both engines.
"""
import os
import re
import subprocess

from conftest import BIN, ROOT, ENGINE, Server

# Processes racing to migrate the same empty database.
NODES = 6
# Bounded wait for each of them.
MIGRATE_TIMEOUT_S = 60
# The migration numbers of this engine, from the files compiled into the binary.
MIGRATIONS = [int(m.group(1)) for m in (re.match(r"(\d+)_.*\.sql$", f) for f in
              os.listdir(os.path.join(ROOT, "src", "store", "sql", ENGINE))) if m]


def test_concurrent_migrations_on_an_empty_database():
    s = Server()
    try:
        s.ensure_database()
        procs = [subprocess.Popen([BIN, "migrate"], cwd=s.dir, env=s.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(NODES)]
        results = [(p.wait(timeout=MIGRATE_TIMEOUT_S), p.stdout.read(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert all(code == 0 for code, _, _ in results), results
        rows = s.execute("SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations")
        count, distinct, latest = (int(v) for v in rows[0])
        # Exactly once each; numbers may have gaps (branches take numbers before they merge).
        assert count == distinct == len(MIGRATIONS) and latest == max(MIGRATIONS)
        # The last word of "applied N migration(s); schema version V" agrees with the table.
        assert all(out.split()[-1].decode() == str(latest) for _, out, _ in results), results
    finally:
        s.stop()
