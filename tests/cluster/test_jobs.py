"""The background jobs run on one node at a time, and a node that dies mid-tick is replaced.

Each tick takes the jobs' advisory lock on a session of its own (src/store/jobs_lock.h). The
test makes node A's tick stop right after its first auto-confirmation while it holds the lock
(the /_test/jobs/stall hook), shows that B does no job work meanwhile, kills A with SIGKILL,
and checks that B finishes the work with nothing done twice: one release per order, the
balance equal to the orders' total, and a clean `hutong ledger verify`.

Each node has its own clock (moved by /_test/clock), which lets the test decide which node
sees the timers as due.
"""
import time

from harness import Shop, wait_for

# Orders whose auto-confirmation timer the nodes race for.
ORDERS = 8
# Physical goods auto-confirm 240 hours after shipping (HUTONG_AUTO_CONFIRM_HOURS_PHYSICAL).
AUTO_CONFIRM_MS = 240 * 3600 * 1000
MINUTE_MS = 60 * 1000
# How long A's tick stays stuck holding the lock (it is killed long before).
STALL_MS = 50_000
# How long B is watched doing nothing while A holds the lock: several of its ticks (500 ms).
WATCH_S = 2.5


def completed(cluster, shop):
    return int(cluster.scalar("SELECT COUNT(*) FROM orders WHERE merchant_id = ? AND state = 'completed'",
                              shop.merchant_id))


def test_the_lock_holder_killed_mid_tick_is_replaced_and_nothing_runs_twice(cluster):
    shop = Shop(cluster, stock=100)
    buyer, merchant = cluster.lb(), cluster.lb(shop.key)
    orders = [shop.shipped_order(buyer, merchant) for _ in range(ORDERS)]
    buyer.close()
    merchant.close()
    a, b = cluster.node("a"), cluster.node("b")

    # Only A's clock passes the deadline; A's next tick that applies a timer stalls after it.
    c = a.client()
    assert c.post("/_test/jobs/stall", {"ms": STALL_MS}).status == 200
    c.close()
    cluster.advance_clock(AUTO_CONFIRM_MS + MINUTE_MS, nodes=("a",))
    wait_for("node A stalled in its tick", lambda: "stalling this tick" in a.log(), timeout_s=30)
    assert cluster.jobs_lock_holder() == "a"
    done_by_a = completed(cluster, shop)
    assert done_by_a <= 1  # at most the one timer before the stall (it may have been another shop's)

    # B's clock passes the deadline too, but A holds the lock: B must not touch a timer.
    cluster.advance_clock(AUTO_CONFIRM_MS + MINUTE_MS, nodes=("b",))
    time.sleep(WATCH_S)
    assert completed(cluster, shop) == done_by_a, "node B ran jobs while node A held the lock"
    assert cluster.jobs_lock_holder() == "a"

    # A dies mid-tick. Its session ends with it; B takes the lock and finishes the work.
    killed_at = time.monotonic()
    a.kill()
    wait_for("node B completing every order", lambda: completed(cluster, shop) == ORDERS, timeout_s=30)
    takeover_s = time.monotonic() - killed_at
    print(f"node B finished A's work {takeover_s:.2f} s after A was killed")

    for order in orders:
        events = [e for (e,) in cluster.sql("SELECT event FROM order_events WHERE order_id = ? ORDER BY id", order["id"])]
        assert events.count("timer_due") == 1, (order["id"], events)
        releases = cluster.scalar("SELECT COUNT(*) FROM ledger_transactions WHERE order_id = ? AND kind = 'escrow_released'",
                                  order["id"])
        assert releases == "1", (order["id"], releases)
    # What the releases credited the merchant (the daily payout batch, due after the clock
    # jump, may since have moved it on to a payout).
    released = cluster.scalar(
        "SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.txn_id"
        " WHERE t.kind = 'escrow_released' AND e.account_kind = 'merchant_available' AND e.owner_id = ?",
        shop.merchant_id)
    assert int(released) == ORDERS * shop.price_minor, released
    code, report = cluster.ledger_verify()
    assert code == 0, report
