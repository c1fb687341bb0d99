"""The transaction loop end to end, through the sandbox wallet: order → pay → escrow → ship →
confirm → release minus the fee → payout; balances, statements (JSON and CSV), the daily
payout batch, and the attribution recorded with each order. Every test leaves a ledger that
`hutong ledger verify` accepts (loop.ledger_clean)."""
import csv
import io

import pytest

from conftest import Server
from loop import (ALIPAY_UA, DAY_MS, WECHAT_UA, Shop, account_balance, assert_error, assert_ledger_clean,
                  ledger_clean, shop)  # noqa: F401 (fixtures)

FEE_BPS = 60


@pytest.fixture(scope="module")
def server():
    s = Server(extra_env={"HUTONG_FEE_BPS": str(FEE_BPS)}).start()
    yield s
    s.assert_clean_exit()


def test_whole_loop_with_the_sandbox_wallet(server, shop):
    product = shop.product(price_minor=9999, stock=5)
    order = shop.place(product, 2, ua=WECHAT_UA, source={"code": product["code"], "channel": "wechat-group"})
    assert order["state"] == "pending_payment" and order["total_minor"] == 19998
    assert order["closes_at"] and order["escrow_held_minor"] == 0
    assert shop.stock(product) == 3  # reserved at once

    payment = shop.start_payment(order["token"])
    assert payment["status"] == "pending" and payment["amount_minor"] == 19998
    assert payment["pay_url"].startswith("http://127.0.0.1:")
    page = shop.buyer.get(payment["pay_url"].split(str(server.port), 1)[1])
    assert page.status == 200 and "199.98" in page.text
    shop.wallet(payment)  # the buyer approves in the wallet; the wallet notifies the shop
    paid = shop.wait_state(order["token"], "paid")
    assert paid["paid_minor"] == 19998 and paid["escrow_held_minor"] == 19998
    assert [p["status"] for p in paid["payments"]] == ["succeeded"]
    assert shop.balance()["escrow_minor"] == 19998
    assert account_balance(server, "escrow", order["id"]) == 19998

    shipped = shop.ship(paid)
    assert shipped["state"] == "shipped" and shipped["tracking_number"] == "SF1234567890"
    assert shipped["auto_confirm_at"]

    r = shop.confirm(order)
    assert r.status == 200, r
    done = r.json
    fee = 19998 * FEE_BPS // 10000  # rounded down: 119 fen
    assert done["state"] == "completed"
    assert done["released_minor"] == 19998 and done["fee_minor"] == fee == 119
    assert done["escrow_held_minor"] == 0
    assert [e["event"] for e in done["timeline"]] == ["placed", "pay_succeeded", "ship", "confirm"]
    b = shop.balance()
    assert b["available_minor"] == 19998 - fee and b["escrow_minor"] == 0
    assert account_balance(server, "platform_fees", 0) >= fee

    r = shop.m.post("/v1/payouts", {})
    assert r.status == 201, r
    assert r.json["amount_minor"] == 19998 - fee and r.json["status"] == "pending"
    assert shop.balance()["payouts_pending_minor"] == 19998 - fee
    shop.jobs()
    [payout] = shop.payouts()
    assert payout["status"] == "succeeded"
    b = shop.balance()
    assert b["available_minor"] == 0 and b["payouts_pending_minor"] == 0
    assert shop.stock(product) == 3  # sold units stay sold
    assert_ledger_clean(server)


def test_attribution_is_recorded(shop):
    product = shop.product()
    order = shop.place(product, ua=ALIPAY_UA, source={"code": product["code"], "channel": "poster_7"})
    seen = shop.merchant_order(order["id"])
    assert seen["source"] == {"code": product["code"], "channel": "poster_7", "client": "alipay"}
    assert seen["buyer"]["name"] == "李雷" and seen["shipping_address"].startswith("北京市")
    wechat = shop.place(product, ua=WECHAT_UA)
    assert shop.merchant_order(wechat["id"])["source"] == {"code": None, "channel": None, "client": "wechat"}
    plain = shop.place(product)  # no User-Agent at all
    assert shop.merchant_order(plain["id"])["source"]["client"]
    # The buyer's view does not show the shop's attribution or other buyers' data.
    assert "source" not in order and "buyer" not in order


def test_multi_line_order_reserves_and_pays_every_line(shop):
    tea = shop.product(price_minor=1250, stock=4, title="Tea")
    cup = shop.product(price_minor=300, stock=2, title="Cup", delivery="virtual")
    body = shop.order_body(tea, 3)
    body["items"].append({"product_code": cup["code"], "quantity": 2})
    r = shop.buyer.post("/v1/orders", body)
    assert r.status == 201, r
    order = r.json
    assert order["total_minor"] == 3 * 1250 + 2 * 300
    assert order["delivery"] == "physical"  # the slowest line decides the clock
    assert [i["quantity"] for i in order["items"]] == [3, 2]
    assert shop.stock(tea) == 1 and shop.stock(cup) == 0
    paid = shop.pay(order)
    assert paid["paid_minor"] == order["total_minor"]


def test_fee_rounds_down_in_the_merchants_favour(shop):
    # 0.01 at 60 bps is 0.006 fen: no fee; 166 fen is 0.996 fen: no fee; 167 → 1.002: 1 fen.
    for price, fee in ((1, 0), (166, 0), (167, 1)):
        order = shop.shipped_order(shop.product(price_minor=price))
        r = shop.confirm(order)
        assert r.status == 200 and r.json["fee_minor"] == fee, (price, r)


def test_statement_json_and_csv(server, shop):
    order = shop.shipped_order(shop.product(price_minor=5000))
    assert shop.confirm(order).status == 200
    assert shop.m.post("/v1/payouts", {"amount_minor": 1000}).status == 201

    lines = shop.m.get("/v1/statement").json["lines"]
    kinds = [(l["kind"], l["account"], l["amount_minor"]) for l in lines]
    fee = 5000 * FEE_BPS // 10000
    assert ("payment_captured", "escrow", 5000) in kinds
    assert ("escrow_released", "escrow", -5000) in kinds
    assert ("escrow_released", "merchant_available", 5000 - fee) in kinds
    assert ("payout_requested", "merchant_available", -1000) in kinds
    assert ("payout_requested", "payouts_payable", 1000) in kinds
    assert all(l["currency"] == "CNY" for l in lines)
    captured = next(l for l in lines if l["kind"] == "payment_captured")
    assert captured["amount"] == "50.00" and captured["order_id"] == order["id"]
    # The merchant's money in the statement adds up to its balance.
    assert sum(l["amount_minor"] for l in lines if l["account"] == "merchant_available") == \
        shop.balance()["available_minor"]

    r = shop.m.get("/v1/statement?format=csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(lines)
    assert [(row["kind"], row["account"], int(row["amount_minor"])) for row in rows] == kinds
    assert rows[0]["amount"] == "50.00"

    # A window that ends before anything happened is empty; bad windows are refused.
    assert shop.m.get("/v1/statement?to=2000-01-01T00:00:00Z").json["lines"] == []
    assert_error(shop.m.get("/v1/statement?format=xml"), 400, "invalid_value", "format")
    assert_error(shop.m.get("/v1/statement?from=yesterday"), 400, "invalid_value", "from")
    assert_error(shop.m.get("/v1/statement?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z"), 400,
                 "out_of_range", "from")


def test_other_merchants_see_nothing(server, shop):
    order = shop.paid_order()
    _, key = server.new_merchant("Neighbour")
    other = server.client(key)
    try:
        assert_error(other.get(f"/v1/orders/{order['id']}"), 404, "not_found")
        assert_error(other.post(f"/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_number": "X1"}),
                     404, "not_found")
        assert_error(other.post(f"/v1/orders/{order['id']}/refunds", {}), 404, "not_found")
        assert other.get("/v1/balance").json["balances"] == []
        assert other.get("/v1/statement").json["lines"] == []
    finally:
        other.close()
    assert shop.order(order["token"])["state"] == "paid"


def test_payout_on_request_partial_then_rest(shop):
    order = shop.shipped_order(shop.product(price_minor=10000))
    assert shop.confirm(order).status == 200
    available = shop.balance()["available_minor"]
    assert available == 10000 - 10000 * FEE_BPS // 10000
    r = shop.m.post("/v1/payouts", {"amount_minor": 2500})
    assert r.status == 201 and r.json["amount_minor"] == 2500
    assert shop.balance()["available_minor"] == available - 2500
    assert_error(shop.m.post("/v1/payouts", {"amount_minor": available}), 422, "insufficient_balance",
                 "amount_minor")
    r = shop.m.post("/v1/payouts", {})  # everything left
    assert r.status == 201 and r.json["amount_minor"] == available - 2500
    assert_error(shop.m.post("/v1/payouts", {}), 422, "insufficient_balance", "amount_minor")
    shop.jobs()
    assert {p["status"] for p in shop.payouts()} == {"succeeded"}
    assert shop.earned() == available


def test_daily_payout_batch(server, shop):
    """Runs last in this module: it moves the clock a day forward."""
    big = shop.shipped_order(shop.product(price_minor=20000))
    assert shop.confirm(big).status == 200
    available = shop.balance()["available_minor"]
    # A second merchant below the batch minimum (1.00 CNY) is skipped.
    mid, key = server.new_merchant("Tiny")
    tiny = Shop(server, server.client(key), mid)
    small = tiny.shipped_order(tiny.product(price_minor=50))
    assert tiny.confirm(small).status == 200
    assert shop.payouts() == []
    shop.advance(DAY_MS + 1000)
    shop.jobs()
    shop.jobs()
    [payout] = shop.payouts()
    assert payout["amount_minor"] == available and payout["status"] == "succeeded"
    assert shop.balance()["available_minor"] == 0
    assert tiny.payouts() == [] and tiny.balance()["available_minor"] == 50
    # The batch runs once a day: running the jobs again pays nothing more.
    shop.jobs()
    assert len(shop.payouts()) == 1
    tiny.m.close()
    tiny.close()
