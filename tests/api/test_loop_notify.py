"""Payment notifications and channel calls whose answers are late, repeated, out of order,
forged or lost. Notifications come from the sandbox wallet itself (with its fault hooks) or
are signed here by hand with the wallet's published key. Each one applies exactly once; a
rejected one applies nothing; a call with an unknown outcome leaves the record UNKNOWN until
reconciliation asks the wallet — money never moves on a guess."""
import time

from loop import (HOUR_MS, MINUTE_MS, account_balance, assert_error, count_rows, ledger_clean,  # noqa: F401
                  ledger_size, shop, signed_notification)


def notification(payment, status="SUCCESS", amount=None, currency="CNY", delivery_id=None, trade_no=None):
    return {"id": delivery_id or f"test-{time.monotonic_ns()}", "type": "payment",
            "trade_no": trade_no or "0000000000000000", "out_trade_no": payment["reference"], "status": status,
            "amount": payment["amount_minor"] if amount is None else amount, "currency": currency}


def post_notification(shop, body, **sign):
    raw, headers = signed_notification(shop.server, body, **sign)
    return shop.buyer.request("POST", "/notify/sandbox", raw=raw, headers=headers)


def captures(shop, order):
    return count_rows(shop.server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'payment_captured'"
                      " AND order_id = ?", order["id"])


def pending_order(shop, price_minor=1234, stock=5):
    product = shop.product(price_minor=price_minor, stock=stock)
    order = shop.place(product)
    payment = shop.start_payment(order["token"])
    return product, order, payment


def test_wallet_duplicates_apply_once(shop):
    shop.faults(duplicate_notices=2)  # every delivery arrives three times
    try:
        _, order, payment = pending_order(shop)
        shop.wallet(payment)
        paid = shop.wait_state(order["token"], "paid")
    finally:
        shop.faults(duplicate_notices=0)
    assert paid["paid_minor"] == 1234 and captures(shop, order) == 1
    assert account_balance(shop.server, "escrow", order["id"]) == 1234


def test_replayed_and_retried_notifications_apply_once(shop):
    _, order, payment = pending_order(shop)
    body = notification(payment, delivery_id="replay-1", trade_no=shop.trade_no(payment))
    raw, headers = signed_notification(shop.server, body)
    for _ in range(3):  # the very same request, replayed
        r = shop.buyer.request("POST", "/notify/sandbox", raw=raw, headers=headers)
        assert r.status == 200 and r.json == {"code": "SUCCESS"}, r
    # The wallet retrying with a new delivery id is acknowledged and changes nothing either.
    assert post_notification(shop, {**body, "id": "replay-2"}).status == 200
    o = shop.order(order["token"])
    assert o["state"] == "paid" and o["paid_minor"] == 1234 and captures(shop, order) == 1
    assert [p["status"] for p in o["payments"]] == ["succeeded"]


def test_in_progress_after_success_changes_nothing(shop):
    _, order, payment = pending_order(shop)
    assert post_notification(shop, notification(payment)).status == 200
    before = ledger_size(shop.server, shop.merchant_id)
    assert post_notification(shop, notification(payment, status="WAIT")).status == 200
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert shop.order(order["token"])["state"] == "paid"


def test_contradicting_notifications_apply_nothing(shop):
    # CLOSED after SUCCESS: the wallet contradicts itself; we keep the money where it is.
    _, order, payment = pending_order(shop)
    assert post_notification(shop, notification(payment)).status == 200
    before = ledger_size(shop.server, shop.merchant_id)
    r = post_notification(shop, notification(payment, status="CLOSED"))
    assert r.status >= 400 and r.json["code"] == "FAIL", r
    assert ledger_size(shop.server, shop.merchant_id) == before
    o = shop.order(order["token"])
    assert o["state"] == "paid" and [p["status"] for p in o["payments"]] == ["succeeded"]
    # SUCCESS after CLOSED: the attempt failed for good; a success for it is not posted.
    _, order, payment = pending_order(shop)
    shop.wallet(payment, "decline")
    shop.jobs()
    o = shop.order(order["token"])
    assert o["state"] == "pending_payment" and [p["status"] for p in o["payments"]] == ["failed"]
    before = ledger_size(shop.server, shop.merchant_id)
    r = post_notification(shop, notification(payment))
    assert r.status >= 400, r
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert shop.order(order["token"])["state"] == "pending_payment"


def test_declined_then_paid_with_a_new_attempt(shop):
    _, order, first = pending_order(shop)
    shop.wallet(first, "decline")
    shop.jobs()
    second = shop.start_payment(order["token"])
    assert second["reference"] != first["reference"]
    shop.wallet(second)
    paid = shop.wait_state(order["token"], "paid")
    assert [p["status"] for p in paid["payments"]] == ["failed", "succeeded"]
    assert captures(shop, order) == 1


def test_late_notification(shop):
    shop.faults(notice_delay_ms=60 * 1000)  # the wallet notifies a minute late
    try:
        _, order, payment = pending_order(shop)
        shop.wallet(payment)
        shop.jobs()
        o = shop.order(order["token"])
        assert o["state"] == "pending_payment" and o["paid_minor"] == 0
        assert [p["status"] for p in o["payments"]] == ["pending"]
        shop.advance(61 * 1000)
        paid = shop.wait_state(order["token"], "paid")
    finally:
        shop.faults(notice_delay_ms=0)
    assert paid["paid_minor"] == 1234 and captures(shop, order) == 1


def test_buyer_paid_twice_second_payment_is_refunded(shop):
    """Two attempts opened before either was paid, both approved: the first pays the order,
    the second is captured and refunded in full in the same transaction."""
    _, order, first = pending_order(shop, price_minor=800)
    second = shop.start_payment(order["token"])
    shop.wallet(first)
    shop.wallet(second)
    shop.wait_state(order["token"], "paid")
    o = shop.wait_refunds_settled(order)
    assert o["state"] == "paid"
    assert o["paid_minor"] == 1600 and o["refunded_minor"] == 800 and o["escrow_held_minor"] == 800
    assert [(r["amount_minor"], r["status"]) for r in o["refunds"]] == [(800, "succeeded")]
    assert {p["status"] for p in o["payments"]} == {"succeeded"}
    assert account_balance(shop.server, "escrow", order["id"]) == 800
    assert account_balance(shop.server, "refunds_payable", order["id"]) == 0
    # The wallet refunded the second trade, not the first.
    refunded = dict(shop.server.execute("SELECT out_trade_no, refunded_minor FROM sandbox_trades"
                                        " WHERE out_trade_no IN (?, ?)", first["reference"], second["reference"]))
    assert {k: int(v) for k, v in refunded.items()} == {first["reference"]: 0, second["reference"]: 800}
    # The order goes on normally with what it holds.
    shop.ship(order)
    done = shop.confirm(order).json
    assert done["state"] == "completed" and done["released_minor"] == 800


def started_just_before_close(shop, stock):
    """An order whose payment attempt starts a minute before the unpaid close (so the close
    comes before reconciliation would close the wallet's trade): the buyer can still pay."""
    product = shop.product(price_minor=1234, stock=stock)
    order = shop.place(product)
    shop.advance(14 * MINUTE_MS)
    payment = shop.start_payment(order["token"])
    shop.advance(MINUTE_MS + 1000)
    shop.wait_state(order["token"], "closed")
    return product, order, payment


def test_late_payment_after_unpaid_close_reopens(shop):
    product, order, payment = started_just_before_close(shop, stock=3)
    assert shop.stock(product) == 3  # the close released the stock
    shop.wallet(payment)  # the buyer pays in the wallet anyway
    o = shop.wait_state(order["token"], "paid")
    assert o["paid_minor"] == 1234 and o["refunded_minor"] == 0
    assert shop.stock(product) == 2  # reserved again
    assert [e["event"] for e in o["timeline"]] == ["placed", "timer_due", "pay_succeeded"]


def test_late_payment_after_close_without_stock_is_refunded(shop):
    product, order, payment = started_just_before_close(shop, stock=1)
    assert shop.stock(product) == 1
    other = shop.place(product)  # someone else takes the last unit
    assert shop.stock(product) == 0
    shop.wallet(payment)
    o = shop.wait_state(order["token"], "refunded")
    o = shop.wait_refunds_settled(o)
    assert o["paid_minor"] == 1234 and o["refunded_minor"] == 1234 and o["escrow_held_minor"] == 0
    assert shop.stock(product) == 0 and shop.order(other["token"])["state"] == "pending_payment"
    assert account_balance(shop.server, "refunds_payable", order["id"]) == 0


def test_close_closes_the_wallet_trade(shop):
    """The unpaid close's close_open_payments: reconciliation closes the attempt at the wallet,
    so the buyer can no longer pay a closed order, and stops asking about it."""
    product = shop.product(stock=2)
    order = shop.place(product)
    payment = shop.start_payment(order["token"])
    shop.advance(15 * MINUTE_MS + 1000)
    shop.wait_state(order["token"], "closed")
    shop.jobs()
    o = shop.order(order["token"])
    assert [p["status"] for p in o["payments"]] == ["failed"]
    shop.wallet(payment)  # too late: the wallet refuses (the page shows the trade closed)
    shop.jobs()
    o = shop.order(order["token"])
    assert o["state"] == "closed" and o["paid_minor"] == 0 and shop.stock(product) == 2


def test_payment_racing_the_close_is_not_lost(shop):
    """The buyer pays while the order closes and the notification is late: reconciliation
    finds the payment when it comes to close the trade, and the order reopens."""
    shop.faults(notice_delay_ms=HOUR_MS)
    try:
        product, order, payment = pending_order(shop, stock=2)
        shop.wallet(payment)
        shop.advance(15 * MINUTE_MS + 1000)
        o = shop.wait_state(order["token"], "paid")
    finally:
        shop.faults(notice_delay_ms=0)
    assert [e["event"] for e in o["timeline"]] == ["placed", "timer_due", "pay_succeeded"]
    assert o["paid_minor"] == 1234 and shop.stock(product) == 1


def test_forged_signatures_are_401_and_apply_nothing(shop):
    _, order, payment = pending_order(shop)
    body = notification(payment)
    before = ledger_size(shop.server, shop.merchant_id)
    seen = count_rows(shop.server, "SELECT count(*) FROM notifications")
    wrong_key = b"\x00" * 32
    raw, headers = signed_notification(shop.server, body)
    tampered = raw.replace(b'"SUCCESS"', b'"SUCCESS" ')
    attempts = [
        ("wrong key", *signed_notification(shop.server, body, key=wrong_key)),
        ("tampered body", tampered, headers),
        ("no signature", raw, {k: v for k, v in headers.items() if k != "X-Sandbox-Signature"}),
        ("no timestamp", raw, {k: v for k, v in headers.items() if k != "X-Sandbox-Timestamp"}),
        ("no nonce", raw, {k: v for k, v in headers.items() if k != "X-Sandbox-Nonce"}),
        ("signature of another nonce", raw, {**headers, "X-Sandbox-Nonce": "0" * 32}),
        ("upper-case hex", raw, {**headers, "X-Sandbox-Signature": headers["X-Sandbox-Signature"].upper()}),
        ("truncated signature", raw, {**headers, "X-Sandbox-Signature": headers["X-Sandbox-Signature"][:-2]}),
        ("timestamp not a number", raw, {**headers, "X-Sandbox-Timestamp": "soon"}),
    ]
    for name, raw_body, h in attempts:
        r = shop.buyer.request("POST", "/notify/sandbox", raw=raw_body, headers=h)
        assert r.status == 401, (name, r)
        assert r.json["code"] == "FAIL", (name, r)
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert count_rows(shop.server, "SELECT count(*) FROM notifications") == seen
    o = shop.order(order["token"])
    assert o["state"] == "pending_payment" and [p["status"] for p in o["payments"]] == ["pending"]
    # The genuine one still works afterwards.
    assert shop.buyer.request("POST", "/notify/sandbox", raw=raw, headers=headers).status == 200
    assert shop.order(order["token"])["state"] == "paid"


def test_stale_and_future_timestamps(shop):
    _, order, payment = pending_order(shop)
    now_s = shop.now_ms() // 1000
    before = ledger_size(shop.server, shop.merchant_id)
    for skew_s in (-330, 330, -86400, 10**10):  # five minutes is the limit; margins for slow runs
        r = post_notification(shop, notification(payment), ts_s=now_s + skew_s)
        assert r.status == 401, (skew_s, r)
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert shop.order(order["token"])["state"] == "pending_payment"
    # Within the five minutes of tolerated skew: accepted.
    assert post_notification(shop, notification(payment), ts_s=now_s - 240).status == 200
    assert shop.order(order["token"])["state"] == "paid"


def test_unknown_reference_amount_and_currency_mismatch(shop):
    _, order, payment = pending_order(shop)
    before = ledger_size(shop.server, shop.merchant_id)
    cases = [
        ("unknown reference", {**notification(payment), "out_trade_no": "HPNOSUCHPAYMENT000"}),
        ("amount too small", notification(payment, amount=1233)),
        ("amount too large", notification(payment, amount=1235)),
        ("zero amount", notification(payment, amount=0)),
        ("negative amount", notification(payment, amount=-1234)),
        ("another currency", notification(payment, currency="USD")),
    ]
    for name, body in cases:
        r = post_notification(shop, body)
        assert r.status == 400 and r.json["code"] == "FAIL", (name, r)
    # Signed but malformed: unknown type or currency, missing or extra fields, bad JSON.
    malformed = [
        {**notification(payment), "type": "refund"},
        {**notification(payment), "currency": "XYZ"},
        {**notification(payment), "amount": "12.34"},
        {k: v for k, v in notification(payment).items() if k != "out_trade_no"},
        {**notification(payment), "extra": 1},
    ]
    for body in malformed:
        r = post_notification(shop, body)
        assert r.status == 400, (body, r)
    for raw in (b"{", b"[]", b'{"id":"a","id":"b"}', b"\xff" * 10):
        r = post_notification(shop, raw)
        assert r.status == 400, (raw, r)
    r = post_notification(shop, b"x" * 5000)
    assert r.status == 400, r
    assert ledger_size(shop.server, shop.merchant_id) == before
    o = shop.order(order["token"])
    assert o["state"] == "pending_payment" and [p["status"] for p in o["payments"]] == ["pending"]


def test_payment_start_timeout_is_unknown_until_reconciled(shop):
    shop.faults(timeout_starts=1000, notice_delay_ms=HOUR_MS)  # our call times out; no notification
    try:
        product, order, payment = pending_order(shop)
        assert payment["status"] == "unknown" and payment["pay_url"] is None
        before = ledger_size(shop.server, shop.merchant_id)
        o = shop.order(order["token"])
        assert o["state"] == "pending_payment" and o["paid_minor"] == 0
        # Reconciliation asks the wallet: the trade exists and waits for the buyer. Nothing has
        # been paid, so nothing moves.
        shop.jobs()
        o = shop.order(order["token"])
        assert [p["status"] for p in o["payments"]] == ["pending"] and o["paid_minor"] == 0
        assert ledger_size(shop.server, shop.merchant_id) == before
        # The buyer pays that trade at the wallet although we never gave out its page, and the
        # wallet's notification is late: the money moves when reconciliation hears of it.
        shop.wallet(payment)
        shop.advance(2 * MINUTE_MS + 1000)  # stale pending attempts are asked about
        o = shop.wait_state(order["token"], "paid")
        assert o["paid_minor"] == 1234 and [p["status"] for p in o["payments"]] == ["succeeded"]
        assert captures(shop, order) == 1
        shop.jobs()
        assert captures(shop, order) == 1
    finally:
        shop.faults(timeout_starts=0, notice_delay_ms=0)
    # The late notification, when it finally comes, is a duplicate.
    trade = shop.trade_no(payment)
    assert post_notification(shop, notification(payment, trade_no=trade)).status == 200
    assert captures(shop, order) == 1


def test_payment_start_timeout_then_unpaid_trade_goes_back_to_pending(shop):
    shop.faults(timeout_starts=1)
    try:
        _, order, payment = pending_order(shop)
    finally:
        shop.faults(timeout_starts=0)
    assert payment["status"] == "unknown"
    shop.jobs()  # our call is over: reconciliation asks, the trade waits for the buyer
    o = shop.order(order["token"])
    assert [p["status"] for p in o["payments"]] == ["pending"] and o["state"] == "pending_payment"
    # The buyer simply starts another attempt and pays.
    second = shop.start_payment(order["token"])
    shop.wallet(second)
    assert shop.wait_state(order["token"], "paid")["paid_minor"] == 1234


def test_refund_timeout_is_unknown_until_the_wallet_answers(shop):
    order = shop.shipped_order(shop.product(price_minor=2000))
    shop.faults(timeout_refunds=1000)
    try:
        r = shop.refund(order, 500)
        assert r.status == 200 and r.json["refunded_minor"] == 500
        shop.jobs()
        shop.jobs()
        o = shop.merchant_order(order["id"])
        assert [(x["amount_minor"], x["status"]) for x in o["refunds"]] == [(500, "unknown")]
        # Approved, so out of escrow; not settled, so still owed to the buyer.
        assert account_balance(shop.server, "escrow", order["id"]) == 1500
        assert account_balance(shop.server, "refunds_payable", order["id"]) == 500
        settled = count_rows(shop.server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'refund_settled'"
                             " AND order_id = ?", order["id"])
        assert settled == 0
    finally:
        shop.faults(timeout_refunds=0)
    o = shop.wait_refunds_settled(order)
    assert account_balance(shop.server, "refunds_payable", order["id"]) == 0
    # The wallet refunded once although it was asked several times (the refund id is its key).
    rows = shop.server.execute("SELECT count(*), sum(r.amount_minor), max(t.refunded_minor) FROM sandbox_refunds r"
                               " JOIN sandbox_trades t ON t.trade_no = r.trade_no WHERE t.out_trade_no = ?",
                               o["payments"][0]["reference"])
    assert [int(v) for v in rows[0]] == [1, 500, 500]
    assert o["state"] == "shipped" and o["escrow_held_minor"] == 1500


def test_refund_retries_back_off_while_the_wallet_times_out(shop):
    order = shop.shipped_order(shop.product(price_minor=2000))
    shop.faults(timeout_refunds=1000)

    def retry_state():
        rows = shop.server.execute("SELECT attempts, next_attempt_at_ms FROM refunds WHERE order_id = ?", order["id"])
        return [int(v) for v in rows[0]]

    try:
        assert shop.refund(order, 500).status == 200
        for _ in range(10):
            shop.jobs()
        attempts, next_at = retry_state()
        assert 1 <= attempts <= 2  # ten runs inside the first delays ask the wallet once or twice, not ten times
        # When the next attempt is due it is made, and the one after waits twice as long.
        shop.advance(max(0, next_at - shop.now_ms()))
        shop.jobs()
        later_attempts, later_next_at = retry_state()
        assert later_attempts == attempts + 1
        delay = 1000 * 2 ** attempts
        assert delay <= later_next_at - next_at <= delay + 5000
    finally:
        shop.faults(timeout_refunds=0)
    shop.advance(later_next_at - shop.now_ms())
    o = shop.wait_refunds_settled(order)
    assert [r["status"] for r in o["refunds"]] == ["succeeded"]


def test_notify_route_refuses_non_json_gracefully(shop):
    r = shop.buyer.request("POST", "/notify/sandbox", raw=b"", headers={"Content-Type": "application/json"})
    assert r.status == 401
    assert_error(shop.buyer.post("/notify/nosuch", {}), 404, "not_found")
