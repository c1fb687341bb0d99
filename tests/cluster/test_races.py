"""Two nodes act on the same order at the same moment: exactly one wins, the money adds up.

Every order event locks the order row (FOR UPDATE) and writes it with an optimistic version
check in the same transaction as its ledger postings (src/pay/orders.c), so of two racing
events on two nodes the second sees the first's result and is refused (409 invalid_state) or
finds nothing to do. `hutong ledger verify` must be clean afterwards.
"""
import threading
import time

from harness import Shop, wait_for

# Orders raced per test; each race is two requests started together on the two nodes.
ORDERS = 12


def together(*calls):
    """Runs the calls in threads released by one barrier; returns their results in order."""
    results = [None] * len(calls)
    errors = []
    start = threading.Barrier(len(calls))

    def run(i, fn):
        try:
            start.wait(timeout=30)
            results[i] = fn()
        except Exception as e:  # reported below, with the others' results
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def balances(cluster, key):
    c = cluster.lb(key)
    try:
        r = c.get("/v1/balance")
        assert r.status == 200, r
        return {b["currency"]: b for b in r.json["balances"]}
    finally:
        c.close()


def test_confirm_and_refund_on_different_nodes_one_wins(cluster):
    shop = Shop(cluster, stock=100)
    buyer, merchant = cluster.lb(), cluster.lb(shop.key)
    orders = [shop.shipped_order(buyer, merchant) for _ in range(ORDERS)]
    buyer.close()
    merchant.close()
    outcomes = []
    for i, order in enumerate(orders):
        # Alternate which node gets which side, so neither node always goes first.
        confirm_node, refund_node = ("a", "b") if i % 2 == 0 else ("b", "a")
        bc = cluster.node(confirm_node).client()
        mc = cluster.node(refund_node).client(shop.key)
        confirm, refund = together(
            lambda: bc.post(f"/v1/buyer/orders/{order['token']}/confirm"),
            lambda: mc.post(f"/v1/orders/{order['id']}/refunds"))
        bc.close()
        mc.close()
        winners = [r for r in (confirm, refund) if r.status == 200]
        losers = [r for r in (confirm, refund) if r.status != 200]
        assert len(winners) == 1, (confirm, refund)
        assert losers[0].status == 409 and losers[0].json["error"]["code"] == "invalid_state", losers[0]
        state = cluster.scalar("SELECT state FROM orders WHERE id = ?", order["id"])
        expected = "completed" if confirm.status == 200 else "refunded"
        assert state == expected, (state, confirm, refund)
        assert winners[0].json["state"] == expected
        outcomes.append(expected)

    # The refunds reach the sandbox wallet through the jobs (whichever node runs them).
    refunded = outcomes.count("refunded")
    wait_for(f"{refunded} refunds settled", lambda: int(cluster.scalar(
        "SELECT COUNT(*) FROM refunds r JOIN orders o ON o.id = r.order_id"
        " WHERE o.merchant_id = ? AND r.status = 'succeeded'", shop.merchant_id)) == refunded)
    # Each order moved money once: one release or one refund, never both.
    for order, outcome in zip(orders, outcomes):
        events = [e for (e,) in cluster.sql("SELECT event FROM order_events WHERE order_id = ? ORDER BY id", order["id"])]
        assert events.count("confirm") + events.count("approve_refund") == 1, events
    completed = outcomes.count("completed")
    cny = balances(cluster, shop.key).get("CNY", {})
    assert cny.get("available_minor", 0) == completed * shop.price_minor, cny
    code, report = cluster.ledger_verify()
    assert code == 0, report


def notify_until_acknowledged(cluster, client, merchant_id, reference, amount_minor):
    """Delivers like a wallet: a refusal (5xx: busy, try later) is retried with backoff."""
    for attempt in range(5):
        r = cluster.sandbox_notify(client, merchant_id, reference, amount_minor)
        if r.status == 200:
            return attempt
        assert r.status >= 500, r
        time.sleep(0.1 * 2**attempt)
    raise AssertionError(f"notification for {reference} never acknowledged: {r}")


def test_the_same_payment_notified_on_both_nodes_is_applied_once(cluster):
    """A wallet that delivers one payment's notification twice, the copies reaching different
    nodes at once: one capture, one ledger posting. The copy that loses the race may be told
    to come back later (the payment row changed under it); when it does, it is a duplicate."""
    shop = Shop(cluster, stock=100)
    buyer = cluster.lb()
    retried = 0
    for _ in range(ORDERS):
        r = shop.place(buyer)
        assert r.status == 201, r
        order = r.json
        reference = shop.pay_started(buyer, order)["reference"]
        a, b = cluster.node("a").client(), cluster.node("b").client()
        tries = together(lambda: notify_until_acknowledged(cluster, a, shop.merchant_id, reference, shop.price_minor),
                         lambda: notify_until_acknowledged(cluster, b, shop.merchant_id, reference, shop.price_minor))
        retried += sum(tries)
        a.close()
        b.close()
        assert cluster.scalar("SELECT state FROM orders WHERE id = ?", order["id"]) == "paid"
        captures = cluster.scalar("SELECT COUNT(*) FROM order_events WHERE order_id = ? AND event = 'pay_succeeded'",
                                  order["id"])
        assert captures == "1", captures
    buyer.close()
    print(f"{retried} of {2 * ORDERS} notifications were asked to come back")
    code, report = cluster.ledger_verify()
    assert code == 0, report
