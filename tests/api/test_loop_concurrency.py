"""Races on the transaction loop, from threads with their own connections: buyers racing for
limited stock (exactly the stock sells), a confirm racing a refund on one order (exactly one
wins), repeated confirms, partial refunds and payouts racing each other, and one payment
notified many times at once. After each, the ledger verifies clean (loop.ledger_clean)."""
import threading

from loop import (account_balance, assert_invalid_state, count_rows, ledger_clean, shop,  # noqa: F401
                  signed_notification)

# Threads per race: more than the server's worker threads, few enough for two shared cores.
RACERS = 16
JOIN_TIMEOUT_S = 60


def race(server, calls):
    """Runs each call(client) in its own thread, all released at once; returns the responses in
    the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        c = server.client(call.key if hasattr(call, "key") else None)
        try:
            barrier.wait(JOIN_TIMEOUT_S)
            results[i] = call(c)
        except Exception as e:  # reported below, with the others
            results[i] = e
        finally:
            c.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    for r in results:
        assert not isinstance(r, Exception), r
    return results


class As:
    """A call made with a key (the merchant's) rather than anonymously."""

    def __init__(self, key, fn):
        self.key = key
        self.fn = fn

    def __call__(self, c):
        return self.fn(c)


def test_buyers_racing_for_limited_stock(server, shop):
    product = shop.product(price_minor=100, stock=7)
    body = shop.order_body(product, 1)
    results = race(server, [lambda c: c.post("/v1/orders", body) for _ in range(RACERS * 2)])
    won = [r for r in results if r.status == 201]
    lost = [r for r in results if r.status != 201]
    assert len(won) == 7
    assert all(r.status == 409 and r.json["error"]["code"] == "out_of_stock" for r in lost), lost[:3]
    assert shop.stock(product) == 0
    assert count_rows(server, "SELECT count(*) FROM order_lines WHERE product_id = ?", product["id"]) == 7


def test_multi_unit_buyers_never_oversell(server, shop):
    product = shop.product(price_minor=100, stock=10)
    bodies = [shop.order_body(product, q) for q in (1, 2, 3) * 8]
    results = race(server, [lambda c, b=b: c.post("/v1/orders", b) for b in bodies])
    sold = sum(b["items"][0]["quantity"] for b, r in zip(bodies, results) if r.status == 201)
    assert sold <= 10 and shop.stock(product) == 10 - sold
    assert all(r.status in (201, 409) for r in results)
    # Whatever is left can still be bought, exactly.
    if 10 - sold:
        assert shop.place(product, 10 - sold)["state"] == "pending_payment"
    assert shop.stock(product) == 0


def test_concurrent_confirm_and_refund_exactly_one_wins(server, shop):
    key = shop.m.key
    for round_ in range(6):
        order = shop.shipped_order(shop.product(price_minor=2000))
        calls = [lambda c: c.post(f"/v1/buyer/orders/{order['token']}/confirm"),
                 As(key, lambda c: c.post(f"/v1/orders/{order['id']}/refunds", {}))]
        if round_ % 2:
            calls.reverse()
        results = race(server, calls * 3)
        ok = [r for r in results if r.status == 200]
        assert len(ok) == 1, results
        final = ok[0].json["state"]
        assert final in ("completed", "refunded")
        for r in results:
            if r.status != 200:
                assert_invalid_state(r, final)
        released = account_balance(server, "escrow", order["id"])
        assert released == 0
        kinds = [row[0] for row in server.execute(
            "SELECT kind FROM ledger_transactions WHERE order_id = ? ORDER BY id", order["id"])]
        assert kinds[0] == "payment_captured"
        assert kinds[1:2] == (["escrow_released"] if final == "completed" else ["refund_approved"])
        assert kinds.count("escrow_released") + kinds.count("refund_approved") == 1


def test_concurrent_confirms_release_once(server, shop):
    order = shop.shipped_order(shop.product(price_minor=3000))
    results = race(server, [lambda c: c.post(f"/v1/buyer/orders/{order['token']}/confirm")] * RACERS)
    assert sum(r.status == 200 for r in results) == 1
    assert all(r.status == 200 or r.json["error"]["code"] == "invalid_state" for r in results)
    assert count_rows(server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'escrow_released'"
                      " AND order_id = ?", order["id"]) == 1


def test_concurrent_partial_refunds_never_exceed_what_was_paid(server, shop):
    key = shop.m.key
    order = shop.shipped_order(shop.product(price_minor=1000))
    results = race(server, [As(key, lambda c: c.post(f"/v1/orders/{order['id']}/refunds", {"amount_minor": 150}))]
                   * RACERS)
    assert sum(r.status == 200 for r in results) == 6  # 6 × 150 = 900; a seventh would exceed
    o = shop.merchant_order(order["id"])
    assert o["refunded_minor"] == 900 and o["escrow_held_minor"] == 100
    assert account_balance(server, "escrow", order["id"]) == 100
    shop.wait_refunds_settled(order)


def test_concurrent_payouts_never_overdraw(server, shop):
    key = shop.m.key
    for _ in range(3):
        order = shop.shipped_order(shop.product(price_minor=1000))
        assert shop.confirm(order).status == 200
    available = shop.balance()["available_minor"]
    assert available == 3000
    results = race(server, [As(key, lambda c: c.post("/v1/payouts", {"amount_minor": 400}))] * RACERS)
    won = sum(r.status == 201 for r in results)
    assert won == 7  # 7 × 400 = 2800 ≤ 3000 < 3200
    assert all(r.status == 201 or r.json["error"]["code"] == "insufficient_balance" for r in results)
    b = shop.balance()
    assert b["available_minor"] == 200 and b["available_minor"] >= 0


def test_one_payment_notified_many_times_at_once(server, shop):
    product = shop.product(price_minor=555)
    order = shop.place(product)
    payment = shop.start_payment(order["token"])
    body = {"type": "payment", "trade_no": shop.trade_no(payment), "out_trade_no": payment["reference"],
            "status": "SUCCESS", "amount": 555, "currency": "CNY"}
    signed = [signed_notification(server, {"id": f"burst-{i % 4}", **body}) for i in range(RACERS)]
    results = race(server, [lambda c, s=s: c.request("POST", "/notify/sandbox", raw=s[0], headers=s[1])
                            for s in signed])
    assert any(r.status == 200 for r in results)
    # A racer that lost may be told to retry (5xx), never that it was applied twice.
    assert all(r.status in (200, 500, 503) for r in results), results
    o = shop.order(order["token"])
    assert o["state"] == "paid" and o["paid_minor"] == 555
    assert count_rows(server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'payment_captured'"
                      " AND order_id = ?", order["id"]) == 1


def test_pay_and_cancel_race(server, shop):
    """The merchant cancels while the buyer's payment lands: either the order is paid, or it is
    closed and the payment (late) reopens it or is refunded. Money is never lost either way."""
    key = shop.m.key
    for _ in range(4):
        product = shop.product(price_minor=321, stock=1)
        order = shop.place(product)
        payment = shop.start_payment(order["token"])
        raw, headers = signed_notification(server, {
            "id": f"pc-{order['id']}", "type": "payment", "trade_no": shop.trade_no(payment),
            "out_trade_no": payment["reference"], "status": "SUCCESS", "amount": 321, "currency": "CNY"})
        race(server, [lambda c: c.request("POST", "/notify/sandbox", raw=raw, headers=headers),
                      As(key, lambda c: c.post(f"/v1/orders/{order['id']}/cancel"))])
        o = shop.order(order["token"])
        assert o["state"] == "paid" and o["paid_minor"] == 321, o  # a late payment reopens (stock is free)
        assert shop.stock(product) == 0


def test_racing_payouts_of_everything_pay_it_once(server, shop):
    """Several "pay out everything" requests at once, round after round: one wins each round
    (on PostgreSQL the balance is read under its row lock; without it two requests both saw
    the balance and left it negative)."""
    key = shop.m.key
    for _ in range(8):
        order = shop.shipped_order(shop.product(price_minor=1000))
        assert shop.confirm(order).status == 200
        results = race(server, [As(key, lambda c: c.post("/v1/payouts", {}))] * 4)
        assert sorted(r.status for r in results) == [201, 422, 422, 422], results
        assert shop.balance()["available_minor"] == 0


def test_payment_starts_racing_reconciliation(server, shop):
    """Reconciliation running while payments start must not write off a trade the wallet is
    still creating (it used to: an attempt is UNKNOWN while its start call is in flight, and
    the wallet, asked too early, did not know the trade yet — "failed" — and then the buyer
    paid it)."""
    stop = threading.Event()

    def reconcile():
        c = server.client()
        try:
            while not stop.is_set():
                c.post("/_test/jobs")
        finally:
            c.close()

    t = threading.Thread(target=reconcile)
    t.start()
    try:
        orders = []
        for _ in range(20):
            order = shop.place(shop.product(price_minor=100))
            payment = shop.start_payment(order["token"])
            assert payment["status"] == "pending", payment
            shop.wallet(payment)
            orders.append(order)
    finally:
        stop.set()
        t.join(JOIN_TIMEOUT_S)
    for order in orders:
        o = shop.wait_state(order["token"], "paid")
        assert [p["status"] for p in o["payments"]] == ["succeeded"]
