"""Escrow timers and refunds: the unpaid close (15 minutes), auto-confirm (10 days physical,
3 virtual, 24 h auto-delivered, all configurable), the clock paused by a refund request and
resumed with the time that was left, full and partial refunds through the wallet, and a
scheduler that never releases twice — across many concurrent runs and across restarts."""
import threading
from datetime import datetime

import pytest

from conftest import Server
from loop import (DAY_MS, HOUR_MS, MINUTE_MS, Shop, account_balance, assert_invalid_state, count_rows,  # noqa
                  kill, ledger_clean, shop, assert_ledger_clean)


def ms(rfc3339):
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def releases(server, order):
    return count_rows(server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'escrow_released'"
                      " AND order_id = ?", order["id"])


def completes_when_due(shop, order, due_in_ms):
    """Not completed a minute before its auto-confirm is due; completed a minute after."""
    shop.advance(due_in_ms - MINUTE_MS)
    shop.jobs()
    assert shop.order(order["token"])["state"] == "shipped"
    shop.advance(2 * MINUTE_MS)
    return shop.wait_state(order["token"], "completed")


def test_unpaid_order_closes_after_15_minutes_and_releases_stock(shop):
    product = shop.product(stock=5)
    order = shop.place(product, 2)
    assert ms(order["closes_at"]) - ms(order["created_at"]) == 15 * MINUTE_MS
    assert shop.stock(product) == 3
    shop.advance(14 * MINUTE_MS)
    shop.jobs()
    assert shop.order(order["token"])["state"] == "pending_payment" and shop.stock(product) == 3
    shop.advance(MINUTE_MS + 1000)
    closed = shop.wait_state(order["token"], "closed")
    assert closed.get("closes_at") is None and closed["auto_confirm_at"] is None
    assert shop.stock(product) == 5
    assert [e["event"] for e in closed["timeline"]] == ["placed", "timer_due"]
    r = shop.buyer.post(f"/v1/buyer/orders/{order['token']}/payments", {"channel": "sandbox"})
    assert r.status == 409
    shop.jobs()  # the timer fires again: nothing more happens
    assert shop.stock(product) == 5


def test_cancel_releases_stock(shop):
    product = shop.product(stock=2)
    order = shop.place(product, 2)
    assert shop.stock(product) == 0
    assert shop.cancel(order).json["state"] == "closed"
    assert shop.stock(product) == 2


@pytest.mark.parametrize("delivery,period_ms", [("physical", 10 * DAY_MS), ("virtual", 3 * DAY_MS),
                                                ("auto", DAY_MS)])
def test_auto_confirm_releases_after_the_period(server, shop, delivery, period_ms):
    order = shop.shipped_order(shop.product(price_minor=3000, delivery=delivery))
    assert ms(order["auto_confirm_at"]) - ms(order["updated_at"]) == period_ms
    earned = shop.earned()
    done = completes_when_due(shop, order, period_ms)
    assert done["released_minor"] == 3000 and done["escrow_held_minor"] == 0
    assert done["timeline"][-1]["event"] == "timer_due"
    assert shop.earned() == earned + 3000
    assert releases(server, order) == 1


def test_refund_request_pauses_and_refusal_resumes_with_the_time_left(server, shop):
    order = shop.shipped_order(shop.product(price_minor=5000))
    deadline = ms(order["auto_confirm_at"])
    shop.advance(4 * DAY_MS)
    r = shop.refund_request(order, 2000, reason="包装破损")
    assert r.status == 200 and r.json["state"] == "refund_requested"
    assert r.json["refund_requested_minor"] == 2000 and r.json["auto_confirm_at"] is None
    left = deadline - ms(r.json["updated_at"])
    assert 6 * DAY_MS - MINUTE_MS < left <= 6 * DAY_MS
    shop.advance(30 * DAY_MS)  # the paused clock does not run
    shop.jobs()
    assert shop.order(order["token"])["state"] == "refund_requested"
    r = shop.refuse(order)
    assert r.status == 200 and r.json["state"] == "shipped" and r.json["refund_requested_minor"] == 0
    assert ms(r.json["auto_confirm_at"]) - ms(r.json["updated_at"]) == left
    done = completes_when_due(shop, order, left)
    assert done["released_minor"] == 5000 and done["refunded_minor"] == 0
    assert releases(server, order) == 1


def test_withdrawn_request_resumes_and_time_left_never_grows(shop):
    order = shop.shipped_order()
    deadline = ms(order["auto_confirm_at"])
    shop.advance(DAY_MS)
    r = shop.refund_request(order)
    left = deadline - ms(r.json["updated_at"])
    shop.advance(DAY_MS)
    r = shop.withdraw(order)
    assert r.status == 200 and r.json["state"] == "shipped"
    assert ms(r.json["auto_confirm_at"]) - ms(r.json["updated_at"]) == left
    # Asking again and again does not extend escrow: the clock only ever runs down.
    shop.advance(DAY_MS)
    r = shop.refund_request(order)
    left2 = ms(shop.withdraw(order).json["auto_confirm_at"]) - ms(r.json["updated_at"])
    assert left2 <= left - DAY_MS + 1000


def test_partial_approval_answers_the_request_and_resumes(server, shop):
    order = shop.shipped_order(shop.product(price_minor=5000))
    r = shop.refund_request(order, 3000)
    left = ms(order["auto_confirm_at"]) - ms(r.json["updated_at"])
    r = shop.refund(order, 1000)  # the merchant approves less than asked
    assert r.status == 200 and r.json["state"] == "shipped", r
    assert r.json["refunded_minor"] == 1000 and r.json["refund_requested_minor"] == 0
    assert ms(r.json["auto_confirm_at"]) - ms(r.json["updated_at"]) == left
    o = shop.wait_refunds_settled(order)
    assert [(x["amount_minor"], x["status"]) for x in o["refunds"]] == [(1000, "succeeded")]
    shop.advance(left + MINUTE_MS)
    done = shop.wait_state(order["token"], "completed")
    assert done["released_minor"] == 4000 and done["refunded_minor"] == 1000


def test_several_partial_refunds_up_to_what_is_left(server, shop):
    product = shop.product(price_minor=1000, stock=1)
    order = shop.shipped_order(product)
    for amount, left in ((300, 700), (300, 400), (399, 1)):
        r = shop.refund(order, amount)
        assert r.status == 200 and r.json["state"] == "shipped" and r.json["escrow_held_minor"] == left, r
    assert_invalid_state(shop.refund(order, 2), "shipped")
    r = shop.refund(order, 1)
    assert r.json["state"] == "refunded" and r.json["refunded_minor"] == 1000
    assert_invalid_state(shop.refund(order, 1), "refunded")
    o = shop.wait_refunds_settled(order)
    assert [x["amount_minor"] for x in o["refunds"]] == [300, 300, 399, 1]
    trade = server.execute("SELECT refunded_minor FROM sandbox_trades WHERE out_trade_no = ?",
                           o["payments"][0]["reference"])
    assert int(trade[0][0]) == 1000
    assert account_balance(server, "escrow", order["id"]) == 0
    assert account_balance(server, "refunds_payable", order["id"]) == 0
    assert shop.stock(product) == 0  # shipped goods refunded are not restocked automatically
    assert releases(server, order) == 0


def test_partial_refund_then_confirm_releases_the_rest_minus_fee(shop):
    order = shop.shipped_order(shop.product(price_minor=10000))
    assert shop.refund(order, 2500).status == 200
    done = shop.confirm(order).json
    assert done["state"] == "completed" and done["released_minor"] == 7500 and done["refunded_minor"] == 2500


def test_refund_request_before_shipping_restocks(shop):
    product = shop.product(price_minor=1500, stock=4)
    order = shop.paid_order(product, 2)
    assert shop.stock(product) == 2
    r = shop.refund_request(order)
    assert r.json["state"] == "refund_requested" and r.json["refund_requested_minor"] == 3000
    assert r.json["auto_confirm_at"] is None
    r = shop.refund(order)  # approves what was asked: everything
    assert r.json["state"] == "refunded" and r.json["refunded_minor"] == 3000
    assert shop.stock(product) == 4
    shop.wait_refunds_settled(order)


def test_refused_request_before_shipping_goes_back_to_paid(shop):
    order = shop.paid_order()
    assert shop.refund_request(order, 1).json["state"] == "refund_requested"
    r = shop.refuse(order)
    assert r.json["state"] == "paid" and r.json["auto_confirm_at"] is None
    assert shop.ship(order)["state"] == "shipped"


def test_due_timer_run_concurrently_releases_once(server, shop):
    orders = [shop.shipped_order(shop.product(price_minor=700)) for _ in range(5)]
    shop.advance(10 * DAY_MS + MINUTE_MS)
    errors = []

    def run():
        c = server.client()
        try:
            for _ in range(3):
                r = c.post("/_test/jobs")
                if r.status != 200:
                    errors.append(r)
        finally:
            c.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    for order in orders:
        assert shop.wait_state(order["token"], "completed")["released_minor"] == 700
        assert releases(server, order) == 1


def test_configured_periods_and_fee():
    s = Server(extra_env={"HUTONG_UNPAID_CLOSE_MINUTES": "2", "HUTONG_AUTO_CONFIRM_HOURS_PHYSICAL": "5",
                          "HUTONG_AUTO_CONFIRM_HOURS_VIRTUAL": "2", "HUTONG_AUTO_CONFIRM_HOURS_AUTO": "1",
                          "HUTONG_FEE_BPS": "250"}).start()
    try:
        mid, key = s.new_merchant()
        shop = Shop(s, s.client(key), mid)
        order = shop.place(shop.product())
        assert ms(order["closes_at"]) - ms(order["created_at"]) == 2 * MINUTE_MS
        for delivery, hours in (("physical", 5), ("virtual", 2), ("auto", 1)):
            o = shop.shipped_order(shop.product(price_minor=1000, delivery=delivery))
            assert ms(o["auto_confirm_at"]) - ms(o["updated_at"]) == hours * HOUR_MS
        shop.advance(2 * MINUTE_MS + 1000)
        shop.wait_state(order["token"], "closed")
        shop.advance(5 * HOUR_MS)
        shop.jobs()
        orders = shop.m.get("/v1/orders?state=completed").json["data"]
        assert len(orders) == 3 and {o["fee_minor"] for o in orders} == {25}
        assert_ledger_clean(s)
        shop.m.close()
        shop.close()
    finally:
        s.assert_clean_exit()


def test_bad_timer_configuration_is_refused():
    for env in ({"HUTONG_UNPAID_CLOSE_MINUTES": "0"}, {"HUTONG_FEE_BPS": "10001"},
                {"HUTONG_AUTO_CONFIRM_HOURS_AUTO": "abc"}, {"HUTONG_AUTO_CONFIRM_HOURS_PHYSICAL": "2161"}):
        s = Server(extra_env=env)
        with pytest.raises(RuntimeError, match="server exited"):
            s.start()
        s.stop()


def test_scheduler_is_idempotent_across_restarts():
    """A due auto-confirm released by one process is not released again by the next, however
    often and however abruptly the processes stop."""
    s = Server().start()
    try:
        mid, key = s.new_merchant()
        shop = Shop(s, s.client(key), mid)
        order = shop.shipped_order(shop.product(price_minor=4200))
        kill(s)  # SIGKILL with the order shipped
        for _ in range(3):
            s.start()
            shop.buyer.close()
            shop.m.close()
            shop.advance(10 * DAY_MS + MINUTE_MS)  # a restarted process starts from the real clock
            shop.jobs()
            assert shop.order(order["token"])["state"] == "completed"
            assert releases(s, order) == 1
            kill(s)
        s.start()
        assert_ledger_clean(s)
        shop.buyer.close()
        shop.m.close()
    finally:
        s.assert_clean_exit()
