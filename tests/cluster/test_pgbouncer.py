"""The same cluster tests with the nodes' pools behind pgbouncer in transaction mode.

This is step 2b of docs/SCALING.md: HUTONG_DB points at pgbouncer (pool_mode = transaction,
a few server connections) with prepare=off, and HUTONG_DB_SESSION at PostgreSQL directly for
the two things that need a session of their own, the jobs' advisory lock and LISTEN. The
tests below are the other modules' own, imported and run again against this module's
cluster; one more checks that the nodes' requests really went through pgbouncer.
"""
import shutil

import pytest

from conftest import run_cluster
from harness import Cluster, Pgbouncer, Shop

pytestmark = pytest.mark.skipif(shutil.which("pgbouncer") is None, reason="pgbouncer is not installed")

# The other modules' tests, run here against the pgbouncer cluster.
from test_caches import test_link_target_edited_on_a_is_followed_on_b  # noqa: E402,F401
from test_caches import test_token_renewed_on_a_resolves_on_b_at_once  # noqa: E402,F401
from test_crash import test_a_node_killed_mid_load_loses_no_acknowledged_operation  # noqa: E402,F401
from test_idempotency import test_an_order_placed_on_a_is_replayed_on_b  # noqa: E402,F401
from test_jobs import test_the_lock_holder_killed_mid_tick_is_replaced_and_nothing_runs_twice  # noqa: E402,F401
from test_races import test_confirm_and_refund_on_different_nodes_one_wins  # noqa: E402,F401
from test_stock import test_buyers_through_the_load_balancer_buy_exactly_the_stock  # noqa: E402,F401

# HTTP workers per node plus the pool's extra connections (src/cli/serve.c): pgbouncer's
# clients for the database when both nodes are up.
POOLED_PER_NODE = 4 + 2


@pytest.fixture(scope="module")
def pgbouncer(postgres):
    bouncer = Pgbouncer(postgres.url).start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(scope="module")
def cluster_module(postgres, pgbouncer):
    yield from run_cluster(Cluster(postgres.url, pooler_url=pgbouncer.url))


def test_the_pools_go_through_pgbouncer_and_the_sessions_do_not(cluster, pgbouncer):
    shop = Shop(cluster)
    c = cluster.lb()
    assert shop.place(c).status == 201
    c.close()
    database = cluster.db_url.rsplit("/", 1)[1]
    assert pgbouncer.clients(database) >= 2 * POOLED_PER_NODE
    # The jobs lock and the listener are direct sessions of each node.
    for node in ("a", "b"):
        rows = cluster.sql("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND query LIKE 'LISTEN%'",
                           f"hutong-node-{node}")
        assert rows == [["1"]], (node, rows)
