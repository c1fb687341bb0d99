"""The cluster suite: two `hutong serve` nodes over one PostgreSQL behind nginx (harness.py).

Each test module gets its own cluster (a fresh database, two fresh nodes, nginx); a test that
kills a node gets it restarted before the next test. At the end every process is stopped and
the temporary directories removed, also after a failure; the nodes that were still running
must exit with status 0.

Environment: HUTONG_BIN (default build/src/hutong), HUTONG_TEST_DB (a postgres:// URL of a
throwaway cluster, as make test passes; when unset one is started with tests/pg/cluster.sh for
the session), HUTONG_TEST_KEEP (keep the directories with the nodes' and nginx's logs).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, PostgresCluster  # noqa: E402

_current = None  # the running cluster, for failure reports


@pytest.fixture(scope="session")
def postgres():
    server = PostgresCluster()
    try:
        yield server.start()
    finally:
        server.stop()


def run_cluster(c):
    """Starts `c`, yields it, and stops everything even after a failure; the nodes still
    running must then exit with status 0."""
    global _current
    codes, logs = {}, {}
    try:
        _current = c.start()
        yield c
    finally:
        logs = {name: node.log() for name, node in c.nodes.items()}
        codes = c.stop()
        _current = None
    bad = {name: code for name, code in codes.items() if code not in (None, 0)}
    assert not bad, f"nodes exited badly: {bad}\n" + "\n".join(f"--- node {n}:\n{logs[n][-3000:]}" for n in bad)


@pytest.fixture(scope="module")
def cluster_module(postgres):
    yield from run_cluster(Cluster(postgres.url))


@pytest.fixture
def cluster(cluster_module):
    """The module's cluster, with both nodes running and their clocks even."""
    cluster_module.ensure_running()
    cluster_module.even_clocks()
    return cluster_module


def pytest_runtest_makereport(item, call):
    """On a failure, show the end of each node's log."""
    if call.when == "call" and call.excinfo is not None and _current is not None:
        for name, node in _current.nodes.items():
            item.add_report_section("call", f"node {name} log", node.log()[-3000:])
