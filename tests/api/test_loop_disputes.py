"""Disputes: the buyer or the merchant escalates; the order is frozen (no confirm, refund,
ship or timer acts on it) until the platform operator resolves it with
`hutong order resolve-dispute --id N --refund AMOUNT`, which refunds AMOUNT and lets the rest
go on where it was, with the auto-confirm clock resumed with the time that was left.

The command runs in its own process with the real clock, so the tests that compare times
run before the one that moves the server's clock (the last test of the module)."""
from datetime import datetime

from loop import (DAY_MS, account_balance, assert_invalid_state, count_rows, ledger_clean,  # noqa: F401
                  ledger_size, shop)


def ms(rfc3339):
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def resolve(shop, order, refund_minor, expect=0):
    r = shop.server.cli("order", "resolve-dispute", "--id", str(order["id"]), "--refund", str(refund_minor),
                        check=False)
    assert r.returncode == expect, (r.returncode, r.stdout, r.stderr)
    return (r.stdout + r.stderr).decode()


def test_dispute_freezes_the_order_until_resolved(shop):
    order = shop.shipped_order(shop.product(price_minor=6000))
    r = shop.buyer_dispute(order)
    assert r.status == 200 and r.json["state"] == "disputed" and r.json["auto_confirm_at"] is None
    left = ms(order["auto_confirm_at"]) - ms(r.json["updated_at"])
    before = ledger_size(shop.server, shop.merchant_id)
    for attempt in (shop.confirm(order), shop.refund(order, 100), shop.refund(order), shop.refund_request(order),
                    shop.withdraw(order), shop.refuse(order), shop.buyer_dispute(order),
                    shop.m.post(f"/v1/orders/{order['id']}/dispute"), shop.ship(order, expect=409)):
        assert_invalid_state(attempt, "disputed")
    shop.jobs()
    assert shop.order(order["token"])["state"] == "disputed"
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert account_balance(shop.server, "escrow", order["id"]) == 6000

    out = resolve(shop, order, 2500)
    assert "disputed -> shipped" in out and "refunded 2500" in out
    o = shop.order(order["token"])
    assert o["state"] == "shipped" and o["refunded_minor"] == 2500 and o["escrow_held_minor"] == 3500
    assert ms(o["auto_confirm_at"]) - ms(o["updated_at"]) == left
    assert "resolve_dispute" in [e["event"] for e in o["timeline"]]  # the refund may settle meanwhile
    o = shop.wait_refunds_settled(order)  # the running server makes the refund at the wallet
    assert [(x["amount_minor"], x["status"]) for x in o["refunds"]] == [(2500, "succeeded")]
    done = shop.confirm(order).json
    assert done["state"] == "completed" and done["released_minor"] == 3500


def test_merchant_dispute_resolved_for_the_merchant(shop):
    order = shop.paid_order(shop.product(price_minor=900))
    r = shop.m.post(f"/v1/orders/{order['id']}/dispute")
    assert r.status == 200 and r.json["state"] == "disputed"
    before = ledger_size(shop.server, shop.merchant_id)
    assert "disputed -> paid" in resolve(shop, order, 0)
    assert ledger_size(shop.server, shop.merchant_id) == before  # a zero refund moves no money
    o = shop.order(order["token"])
    assert o["state"] == "paid" and o["escrow_held_minor"] == 900 and o["refunds"] == []
    assert shop.ship(order)["state"] == "shipped"


def test_dispute_resolved_with_a_full_refund_before_shipping_restocks(shop):
    product = shop.product(price_minor=1100, stock=3)
    order = shop.paid_order(product, 2)
    assert shop.stock(product) == 1
    assert shop.buyer_dispute(order).json["state"] == "disputed"
    assert "disputed -> refunded" in resolve(shop, order, 2200)
    assert shop.stock(product) == 3
    o = shop.wait_refunds_settled(order)
    assert o["state"] == "refunded" and o["refunded_minor"] == 2200
    assert account_balance(shop.server, "refunds_payable", order["id"]) == 0


def test_dispute_from_a_refund_request(shop):
    order = shop.shipped_order(shop.product(price_minor=4000))
    assert shop.refund_request(order, 4000).json["state"] == "refund_requested"
    r = shop.buyer_dispute(order)  # the merchant did not answer: the buyer escalates
    assert r.json["state"] == "disputed" and r.json["refund_requested_minor"] == 0
    assert "disputed -> shipped" in resolve(shop, order, 1000)
    o = shop.order(order["token"])
    assert o["state"] == "shipped" and o["escrow_held_minor"] == 3000


def test_resolve_refuses_what_it_cannot_do(shop):
    shipped = shop.shipped_order(shop.product(price_minor=500))
    disputed = shop.shipped_order(shop.product(price_minor=500))
    assert shop.buyer_dispute(disputed).status == 200
    before = ledger_size(shop.server, shop.merchant_id)
    refunds = count_rows(shop.server, "SELECT count(*) FROM refunds")
    assert "is shipped, not disputed" in resolve(shop, shipped, 0, expect=1)
    assert "cannot refund 501" in resolve(shop, disputed, 501, expect=1)
    assert "no order" in resolve(shop, {"id": 987654321}, 0, expect=1)
    for args in (["--id", str(disputed["id"])], ["--id", "x", "--refund", "1"],
                 ["--id", str(disputed["id"]), "--refund", "-1"],
                 ["--id", str(disputed["id"]), "--refund", "1.5"],
                 ["--id", str(disputed["id"]), "--refund", str(10**15 + 1)],
                 ["--id", str(disputed["id"]), "--refund", "1", "--colour", "red"]):
        r = shop.server.cli("order", "resolve-dispute", *args, check=False)
        assert r.returncode == 2, (args, r)
    r = shop.server.cli("order", "close", "--id", "1", check=False)
    assert r.returncode == 2
    assert shop.server.cli("order", "--help").stdout.decode().startswith("usage: hutong order")
    assert ledger_size(shop.server, shop.merchant_id) == before
    assert count_rows(shop.server, "SELECT count(*) FROM refunds") == refunds
    assert shop.order(disputed["token"])["state"] == "disputed"
    assert shop.order(shipped["token"])["state"] == "shipped"


def test_frozen_clock_does_not_run(server, shop):
    """Last in the module: moves the server's clock."""
    order = shop.shipped_order(shop.product(price_minor=750))
    assert shop.buyer_dispute(order).status == 200
    shop.advance(30 * DAY_MS)
    shop.jobs()
    o = shop.order(order["token"])
    assert o["state"] == "disputed" and o["released_minor"] == 0
    resolve(shop, order, 0)
    # The command's clock is the real one, 30 days behind the server's: the resumed deadline
    # is already past for the server, which releases at once — exactly once.
    done = shop.wait_state(order["token"], "completed")
    assert done["released_minor"] == 750
    shop.jobs()
    assert count_rows(server, "SELECT count(*) FROM ledger_transactions WHERE kind = 'escrow_released'"
                      " AND order_id = ?", order["id"]) == 1
