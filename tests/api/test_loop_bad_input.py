"""Bad input to the transaction loop: every case answers a 4xx JSON error naming the problem
(and the field, where there is one) and writes nothing — stock, orders, ledger and balances
are checked before and after, and `hutong ledger verify` runs after every test. Illegal
transitions answer 409 invalid_state naming the order's current state."""
import pytest

from loop import (AMOUNT_MAX, Shop, assert_error, assert_invalid_state, count_rows, ledger_clean,  # noqa: F401
                  ledger_size, shop)


def snapshot(shop, *products):
    s = shop.server
    mid = shop.merchant_id
    return {"orders": count_rows(s, "SELECT count(*) FROM orders"),
            "payments": count_rows(s, "SELECT count(*) FROM payments"),
            "refunds": count_rows(s, "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id"
                                     " WHERE o.merchant_id = ?", mid),
            "payouts": count_rows(s, "SELECT count(*) FROM payouts WHERE merchant_id = ?", mid),
            "ledger": ledger_size(s, mid),
            "balance": shop.balance(),
            "stock": [count_rows(s, "SELECT stock FROM products WHERE id = ?", p["id"]) for p in products]}


# ---- placing orders ----

ORDER_CASES = [
    # (name, mutate(body, other_product_code), status, code, field)
    ("zero quantity", lambda b, o: b["items"][0].update(quantity=0), 400, "out_of_range", "items[0].quantity"),
    ("negative quantity", lambda b, o: b["items"][0].update(quantity=-3), 400, "out_of_range",
     "items[0].quantity"),
    ("quantity above the line maximum", lambda b, o: b["items"][0].update(quantity=10000), 400, "out_of_range",
     "items[0].quantity"),
    ("overflowing quantity", lambda b, o: b["items"][0].update(quantity=2**63), 400, "out_of_range",
     "items[0].quantity"),
    ("quantity as string", lambda b, o: b["items"][0].update(quantity="2"), 400, "invalid_type",
     "items[0].quantity"),
    ("quantity as float", lambda b, o: b["items"][0].update(quantity=1.5), 400, "invalid_type",
     "items[0].quantity"),
    ("no items", lambda b, o: b.update(items=[]), 400, "out_of_range", "items"),
    ("too many items", lambda b, o: b.update(items=b["items"] * 21), 400, "out_of_range", "items"),
    ("item not an object", lambda b, o: b.update(items=["7K3QX9"]), 400, "invalid_type", "items[0]"),
    ("unknown item field", lambda b, o: b["items"][0].update(price_minor=1), 400, "unknown_field",
     "items[0].price_minor"),
    ("missing product code", lambda b, o: b["items"][0].pop("product_code"), 400, "missing_field",
     "items[0].product_code"),
    ("unknown product", lambda b, o: b["items"][0].update(product_code="ZZZZZZ"), 404, "not_found",
     "items[0].product_code"),
    ("malformed product code", lambda b, o: b["items"][0].update(product_code="!!"), 404, "not_found",
     "items[0].product_code"),
    ("second item in another currency", lambda b, o: b["items"].append({"product_code": o["usd"], "quantity": 1}),
     400, "currency_mismatch", "items[1].product_code"),
    ("second item from another shop", lambda b, o: b["items"].append({"product_code": o["foreign"],
                                                                       "quantity": 1}),
     400, "merchant_mismatch", "items[1].product_code"),
    ("archived product", lambda b, o: b["items"][0].update(product_code=o["archived"]), 404, "not_found",
     "items[0].product_code"),
    ("total above the maximum amount", lambda b, o: b["items"][0].update(product_code=o["dear"], quantity=2),
     400, "out_of_range", "items"),
    ("no buyer", lambda b, o: b.pop("buyer"), 400, "missing_field", "buyer"),
    ("no buyer name", lambda b, o: b["buyer"].pop("name"), 400, "missing_field", "buyer.name"),
    ("blank buyer name", lambda b, o: b["buyer"].update(name="   "), 400, "invalid_value", "buyer.name"),
    ("control character in name", lambda b, o: b["buyer"].update(name="a\u0007b"), 400, "invalid_value",
     "buyer.name"),
    ("name too long", lambda b, o: b["buyer"].update(name="名" * 51), 400, "too_long", "buyer.name"),
    ("no phone", lambda b, o: b["buyer"].pop("phone"), 400, "missing_field", "buyer.phone"),
    ("phone with letters", lambda b, o: b["buyer"].update(phone="call me maybe"), 400, "invalid_value",
     "buyer.phone"),
    ("phone too short", lambda b, o: b["buyer"].update(phone="123"), 400, "too_short", "buyer.phone"),
    ("e-mail without @", lambda b, o: b["buyer"].update(email="li.example.com"), 400, "invalid_value",
     "buyer.email"),
    ("e-mail with a space", lambda b, o: b["buyer"].update(email="li lei@example.com"), 400, "invalid_value",
     "buyer.email"),
    ("unknown buyer field", lambda b, o: b["buyer"].update(age=30), 400, "unknown_field", "buyer.age"),
    ("no address for physical goods", lambda b, o: b.pop("shipping_address"), 400, "missing_field",
     "shipping_address"),
    ("empty address", lambda b, o: b.update(shipping_address=""), 400, "empty", "shipping_address"),
    ("control character in address", lambda b, o: b.update(shipping_address="a\u0007b"), 400, "invalid_value",
     "shipping_address"),
    ("NUL in address", lambda b, o: b.update(shipping_address="a\u0000b"), 400, "invalid_utf8", "shipping_address"),
    ("control character in note", lambda b, o: b.update(note="a\u001bb"), 400, "invalid_value", "note"),
    ("address too long", lambda b, o: b.update(shipping_address="路" * 301), 400, "too_long", "shipping_address"),
    ("bad source channel", lambda b, o: b.update(source={"channel": "wechat group!"}), 400, "invalid_value",
     "source.channel"),
    ("unknown source field", lambda b, o: b.update(source={"campaign": "x"}), 400, "unknown_field",
     "source.campaign"),
    ("unknown top-level field", lambda b, o: b.update(total_minor=1), 400, "unknown_field", "total_minor"),
]


@pytest.fixture(scope="module")
def others(server):
    """Products the order cases point at: another currency, another shop, archived, very dear."""
    mid, key = server.new_merchant("Elsewhere")
    foreign_shop = Shop(server, server.client(key), mid)
    foreign = foreign_shop.product()
    _, key = server.new_merchant("Catalog")
    cat = Shop(server, server.client(key), 0)
    usd = cat.product(currency="USD")
    archived = cat.product()
    assert cat.m.post(f"/v1/products/{archived['id']}/archive").status == 200
    dear = cat.product(price_minor=AMOUNT_MAX, stock=5)
    yield {"cat": cat, "foreign": foreign["code"], "usd": usd["code"], "archived": archived["code"],
           "dear": dear["code"]}
    foreign_shop.m.close()
    foreign_shop.close()
    cat.m.close()
    cat.close()


@pytest.mark.parametrize("name,mutate,status,code,field", ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_bad_orders_write_nothing(shop, others, name, mutate, status, code, field):
    product = shop.product(stock=3)
    # Items in one currency and one shop: the catalog shop's CNY product for the mismatch cases.
    base = others["cat"].product(stock=3) if code in ("currency_mismatch",) else product
    body = shop.order_body(base, 1)
    mutate(body, others)
    before = snapshot(shop, product, base)
    r = shop.buyer.post("/v1/orders", body)
    assert_error(r, status, code, field)
    assert snapshot(shop, product, base) == before


def test_quantity_beyond_stock_is_409_and_reserves_nothing(shop):
    product = shop.product(stock=3)
    before = snapshot(shop, product)
    r = shop.buyer.post("/v1/orders", shop.order_body(product, 4))
    assert_error(r, 409, "out_of_stock", "items[0].quantity")
    assert snapshot(shop, product) == before
    # The second line runs out: the first line's reservation is rolled back too.
    other = shop.product(stock=1)
    body = shop.order_body(product, 3)
    body["items"].append({"product_code": other["code"], "quantity": 2})
    before = snapshot(shop, product, other)
    assert_error(shop.buyer.post("/v1/orders", body), 409, "out_of_stock", "items[1].quantity")
    assert snapshot(shop, product, other) == before
    # Exactly the stock is fine.
    assert shop.place(product, 3)["state"] == "pending_payment"
    assert shop.stock(product) == 0
    assert_error(shop.buyer.post("/v1/orders", shop.order_body(product, 1)), 409, "out_of_stock",
                 "items[0].quantity")


def test_virtual_goods_need_no_address(shop):
    product = shop.product(delivery="virtual")
    body = shop.order_body(product)
    body.pop("shipping_address")
    assert shop.buyer.post("/v1/orders", body).status == 201


def test_malformed_bodies(shop):
    product = shop.product(stock=2)
    before = snapshot(shop, product)
    for raw, code in ((b'{"items": [', "invalid_json"), (b"[]", "invalid_json"),
                      (b'{"items": [], "items": []}', "duplicate_key")):
        r = shop.buyer.request("POST", "/v1/orders", raw=raw, headers={"Content-Type": "application/json"})
        assert_error(r, 400, code)
    r = shop.buyer.request("POST", "/v1/orders", raw=b"items=1", headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    assert snapshot(shop, product) == before


# ---- amounts: refunds and payouts ----

AMOUNT_CASES = [
    ("zero", 0, 400, "out_of_range"),
    ("negative", -100, 400, "out_of_range"),
    ("above the maximum amount", AMOUNT_MAX + 1, 400, "out_of_range"),
    ("overflowing int64", 2**63, 400, "out_of_range"),
    ("far below int64", -(2**70), 400, "out_of_range"),
    ("a string", "100", 400, "invalid_type"),
    ("a float", 10.5, 400, "invalid_type"),
    ("null", None, 400, "invalid_type"),
]


@pytest.mark.parametrize("name,amount,status,code", AMOUNT_CASES, ids=[c[0] for c in AMOUNT_CASES])
def test_bad_refund_amounts(shop, name, amount, status, code):
    order = shop.shipped_order(shop.product(price_minor=1000))
    before = snapshot(shop)
    body = {"amount_minor": amount}
    assert_error(shop.m.post(f"/v1/orders/{order['id']}/refunds", body), status, code, "amount_minor")
    assert_error(shop.buyer.post(f"/v1/buyer/orders/{order['token']}/refund-request", body), status, code,
                 "amount_minor")
    assert snapshot(shop) == before
    assert shop.order(order["token"])["state"] == "shipped"


@pytest.mark.parametrize("name,amount,status,code", AMOUNT_CASES, ids=[c[0] for c in AMOUNT_CASES])
def test_bad_payout_amounts(shop, name, amount, status, code):
    order = shop.shipped_order(shop.product(price_minor=1000))
    assert shop.confirm(order).status == 200
    before = snapshot(shop)
    assert_error(shop.m.post("/v1/payouts", {"amount_minor": amount}), status, code, "amount_minor")
    assert snapshot(shop) == before


def test_payout_beyond_balance_and_in_another_currency(shop):
    order = shop.shipped_order(shop.product(price_minor=1000))
    assert shop.confirm(order).status == 200
    before = snapshot(shop)
    assert_error(shop.m.post("/v1/payouts", {"amount_minor": 1001}), 422, "insufficient_balance", "amount_minor")
    assert_error(shop.m.post("/v1/payouts", {"currency": "USD"}), 422, "insufficient_balance", "amount_minor")
    assert_error(shop.m.post("/v1/payouts", {"currency": "usd"}), 400, "unsupported_currency", "currency")
    assert_error(shop.m.post("/v1/payouts", {"currency": "XYZ"}), 400, "unsupported_currency", "currency")
    assert_error(shop.m.post("/v1/payouts", {"amount": 5}), 400, "unknown_field", "amount")
    assert snapshot(shop) == before


def test_refund_more_than_remains(shop):
    order = shop.shipped_order(shop.product(price_minor=1000))
    before = snapshot(shop)
    assert_invalid_state(shop.refund(order, 1001), "shipped")
    assert_invalid_state(shop.refund_request(order, 1001), "shipped")
    assert snapshot(shop) == before
    assert shop.refund(order, 600).status == 200
    shop.wait_refunds_settled(order)
    before = snapshot(shop)
    assert_invalid_state(shop.refund(order, 401), "shipped")
    assert snapshot(shop) == before
    assert shop.refund(order, 400).json["state"] == "refunded"


# ---- illegal transitions ----

def test_confirm_before_ship(shop):
    order = shop.paid_order()
    pending = shop.place(shop.product())
    before = snapshot(shop)
    assert_invalid_state(shop.confirm(order), "paid")
    assert_invalid_state(shop.confirm(pending), "pending_payment")
    assert snapshot(shop) == before
    assert shop.order(order["token"])["state"] == "paid"


def test_ship_twice(shop):
    order = shop.shipped_order()
    before = snapshot(shop)
    r = shop.ship(order, tracking="OTHER123", expect=409)
    assert_invalid_state(r, "shipped")
    assert shop.merchant_order(order["id"])["tracking_number"] == "SF1234567890"
    assert snapshot(shop) == before


def test_ship_unpaid_or_closed(shop):
    pending = shop.place(shop.product())
    assert_invalid_state(shop.ship(pending, expect=409), "pending_payment")
    assert shop.cancel(pending).json["state"] == "closed"
    assert_invalid_state(shop.ship(pending, expect=409), "closed")


def test_refund_after_release(shop):
    order = shop.shipped_order(shop.product(price_minor=700))
    assert shop.confirm(order).status == 200
    before = snapshot(shop)
    assert_invalid_state(shop.refund(order, 100), "completed")
    assert_invalid_state(shop.refund(order), "completed")
    assert_invalid_state(shop.refund_request(order), "completed")
    assert_invalid_state(shop.buyer_dispute(order), "completed")
    assert_invalid_state(shop.confirm(order), "completed")  # and never released twice
    assert snapshot(shop) == before


def test_other_illegal_events(shop):
    paid = shop.paid_order()
    assert_invalid_state(shop.cancel(paid), "paid")
    assert_invalid_state(shop.withdraw(paid), "paid")
    assert_invalid_state(shop.refuse(paid), "paid")
    r = shop.buyer.post(f"/v1/buyer/orders/{paid['token']}/payments", {"channel": "sandbox"})
    assert_error(r, 409, "invalid_state")
    pending = shop.place(shop.product())
    assert_invalid_state(shop.refund(pending, 1), "pending_payment")
    assert_invalid_state(shop.refund_request(pending), "pending_payment")
    assert_invalid_state(shop.buyer_dispute(pending), "pending_payment")
    assert shop.refund_request(paid).json["state"] == "refund_requested"
    assert_invalid_state(shop.refund_request(paid), "refund_requested")
    assert_invalid_state(shop.ship(paid, expect=409), "refund_requested")
    assert_invalid_state(shop.confirm(paid), "refund_requested")
    assert shop.refund(paid).json["state"] == "refunded"
    for r in (shop.refund(paid, 1), shop.refund_request(paid), shop.confirm(paid), shop.cancel(paid),
              shop.withdraw(paid), shop.buyer_dispute(paid)):
        assert_invalid_state(r, "refunded")


# ---- unknown ids and channels ----

def test_unknown_orders_payments_and_channels(shop):
    order = shop.place(shop.product())
    before = snapshot(shop)
    assert_error(shop.buyer.get("/v1/buyer/orders/0000000000000000"), 404, "not_found")
    assert_error(shop.buyer.post("/v1/buyer/orders/0000000000000000/confirm"), 404, "not_found")
    assert_error(shop.buyer.post("/v1/buyer/orders/short/payments", {"channel": "sandbox"}), 404, "not_found")
    assert_error(shop.m.get("/v1/orders/999999"), 404, "not_found")
    assert_error(shop.m.post("/v1/orders/999999/refunds", {}), 404, "not_found")
    assert shop.m.post("/v1/orders/abc/ship", {"carrier": "SF"}).status in (400, 404)
    r = shop.buyer.post(f"/v1/buyer/orders/{order['token']}/payments", {"channel": "paypal"})
    assert_error(r, 400, "unsupported_channel", "channel")
    r = shop.buyer.post(f"/v1/buyer/orders/{order['token']}/payments", {})
    assert_error(r, 400, "missing_field", "channel")
    r = shop.buyer.request("POST", "/pay/sandbox/0000000000000000", raw=b"decision=approve",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 404
    assert_error(shop.buyer.post("/notify/paypal", {"id": "x"}), 404, "not_found")
    assert snapshot(shop) == before


def test_wallet_decision_must_be_approve_or_decline(shop):
    order = shop.place(shop.product())
    payment = shop.start_payment(order["token"])
    for raw in (b"decision=maybe", b"", b"decision=approve&decision=%ff"):
        r = shop.buyer.request("POST", f"/pay/sandbox/{shop.trade_no(payment)}", raw=raw,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 400, (raw, r)
    shop.jobs()
    assert shop.order(order["token"])["state"] == "pending_payment"


def test_ship_fields(shop):
    order = shop.paid_order()
    before = snapshot(shop)
    m = shop.m
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"tracking_number": "X1"}), 400, "missing_field",
                 "carrier")
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"carrier": "SF"}), 400, "missing_field",
                 "tracking_number")
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"carrier": "S" * 65, "tracking_number": "X1"}), 400,
                 "too_long", "carrier")
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_number": "X" * 41}), 400,
                 "too_long", "tracking_number")
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_number": "SF 12/34"}),
                 400, "invalid_value")
    assert_error(m.post(f"/v1/orders/{order['id']}/ship", {"carrier": "S\u0001F", "tracking_number": "X1"}),
                 400, "invalid_value", "carrier")
    assert snapshot(shop) == before
    assert shop.order(order["token"])["state"] == "paid"


def test_virtual_goods_ship_without_carrier(shop):
    order = shop.paid_order(shop.product(delivery="virtual"))
    r = shop.m.post(f"/v1/orders/{order['id']}/ship", {})
    assert r.status == 200, r
    assert r.json["state"] == "shipped"
