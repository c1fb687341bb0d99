"""The merchant dashboard over HTTP: sign-in and its cookies, CSRF tokens on every form, the
sign-in rate limits (429), sign-out and session expiry, merchant isolation by id, and the
dashboard's actions reaching the same orders and products as the API."""
import os
import re
import time

import pytest

from conftest import Server
from web import Browser, PASSWORD, new_merchant, place_order, pay, product, set_password, sign_in


@pytest.fixture(scope="module")
def shop(server):
    """Two merchants with a product each; A also has a paid order."""
    a_id, a = new_merchant(server, "Shop A")
    b_id, b = new_merchant(server, "Shop B")
    pa = product(a, title="A's teapot")
    pb = product(b, title="B's secret kettle")
    _, b_token = place_order(server, pb["code"])
    browser, a_token = place_order(server, pa["code"])
    pay(server, browser, a_token)
    b_order = b.get("/v1/orders").json["data"][0]
    a_order = a.get("/v1/orders").json["data"][0]
    yield {"a_id": a_id, "a": a, "b_id": b_id, "b": b, "pa": pa, "pb": pb, "a_order": a_order, "b_order": b_order}
    a.close()
    b.close()


def test_sign_in_sets_a_safe_session_cookie(server, shop):
    b = Browser(server.port)
    page = b.get("/M/login")
    assert page.status == 200 and "hutong_login" in b.cookies
    r = b.post("/M/login", {"login_token": page.field("login_token"), "merchant": str(shop["a_id"]),
                            "password": PASSWORD})
    assert r.status == 303 and r.location == "/M/"
    cookie = [c for c in r.headers_named("Set-Cookie") if c.startswith("hutong_session=")][0]
    assert re.match(r"hutong_session=[0-9a-f]{64};", cookie)
    for attribute in ("HttpOnly", "SameSite=Lax", "Path=/M"):
        assert attribute in cookie
    assert "Secure" not in cookie  # served over plain http here
    # Only the session's hash is stored.
    session_id = b.cookies["hutong_session"]
    rows = server.execute("SELECT id_hash FROM merchant_sessions")
    assert all(row[0] != session_id for row in rows)


def test_wrong_password_and_unknown_merchant_are_refused_alike(server, shop):
    b = Browser(server.port)
    token = b.get("/M/login").field("login_token")
    wrong = b.post("/M/login", {"login_token": token, "merchant": str(shop["a_id"]), "password": "not it at all"})
    unknown = b.post("/M/login", {"login_token": token, "merchant": "999999", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert "hutong_session" not in b.cookies
    assert b.get("/M/").status == 303


def test_sign_in_form_needs_its_token(server, shop):
    b = Browser(server.port)
    b.get("/M/login")
    r = b.post("/M/login", {"merchant": str(shop["a_id"]), "password": PASSWORD})
    assert r.status == 403
    other = Browser(server.port)  # another browser's token does not match this cookie
    r = b.post("/M/login", {"login_token": other.get("/M/login").field("login_token"), "merchant": str(shop["a_id"]),
                            "password": PASSWORD})
    assert r.status == 403


def test_pages_need_a_session(server):
    b = Browser(server.port)
    for path in ("/M/", "/M/products", "/M/orders", "/M/money", "/M/stats", "/M/products/1"):
        r = b.get(path)
        assert r.status == 303 and r.location == "/M/login", (path, r)
    r = b.post("/M/products", {"title": "x", "price": "1.00", "stock": "1", "currency": "CNY"})
    assert r.status == 303 and r.location == "/M/login"


def test_every_form_carries_the_csrf_token(server, shop):
    b = sign_in(server, shop["a_id"])
    for path in ("/M/", "/M/products/new", f"/M/products/{shop['pa']['id']}", "/M/money",
                 f"/M/orders/{shop['a_order']['id']}"):
        page = b.get(path)
        forms = re.findall(r'<form method="post".*?</form>', page.text, re.S)
        assert forms, path
        for form in forms:
            assert f'name="csrf" value="{b.csrf}"' in form, (path, form[:200])


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(server, shop):
    b = sign_in(server, shop["a_id"])
    fields = {"title": "CSRF probe", "price": "1.00", "stock": "1", "currency": "CNY", "delivery": "physical",
              "status": "active"}
    assert b.post("/M/products", fields).status == 403
    assert b.post("/M/products", dict(fields, csrf="0" * 64)).status == 403
    assert b.post("/M/products", dict(fields, csrf=b.csrf[:-1])).status == 403
    assert b.post("/M/logout", {}).status == 403  # sign-out too
    titles = [p["title"] for p in shop["a"].get("/v1/products?status=all").json["data"]]
    assert "CSRF probe" not in titles
    r = b.post("/M/products", dict(fields, csrf=b.csrf))
    assert r.status == 303 and re.match(r"/M/products/\d+\?saved=1", r.location)


def test_a_post_from_another_site_is_refused(server, shop):
    b = sign_in(server, shop["a_id"])
    r = b.post("/M/products", {"csrf": b.csrf, "title": "x", "price": "1.00", "stock": "1", "currency": "CNY"},
               origin="https://evil.example")
    assert r.status == 403


def test_product_form_errors_are_shown_next_to_the_fields(server, shop):
    b = sign_in(server, shop["a_id"])
    r = b.post("/M/products", {"csrf": b.csrf, "title": "", "price": "12.345", "stock": "-1", "currency": "CNY",
                               "image_url": "javascript:alert(1)"})
    assert r.status == 422
    for field in ("title", "price", "stock", "image_url"):
        assert f'id="e-{field}"' in r.text, field


def test_product_edit_stock_and_archive(server, shop):
    b = sign_in(server, shop["a_id"])
    p = product(shop["a"], title="to edit")
    r = b.post(f"/M/products/{p['id']}", {"csrf": b.csrf, "title": "edited", "description": "新的", "price": "99.50",
                                           "currency": "CNY", "stock": "42", "delivery": "virtual",
                                           "status": "active"})
    assert r.status == 303
    q = shop["a"].get(f"/v1/products/{p['id']}").json
    assert (q["title"], q["price_minor"], q["stock"], q["delivery"]) == ("edited", 9950, 42, "virtual")
    page = b.get(f"/M/products/{p['id']}")
    assert f"/qr/{p['code']}.svg" in page.text and f"/qr/{p['code']}.png" in page.text
    assert "data-token" in page.text and "data-share-text" in page.text
    assert b.post(f"/M/products/{p['id']}/archive", {"csrf": b.csrf}).status == 303
    assert shop["a"].get(f"/v1/products/{p['id']}").json["status"] == "archived"


def test_print_sheet_is_a_pdf():
    # Its own server: under AddressSanitizer the leak suppressions for cairo's and fontconfig's
    # own allocations (tests/lsan.supp) need whole stacks, which the slow unwinder records.
    options = os.environ.get("ASAN_OPTIONS", "")
    s = Server(extra_env={"ASAN_OPTIONS": (options + ":" if options else "") + "fast_unwind_on_malloc=0"}).start()
    try:
        merchant_id, c = new_merchant(s)
        p = product(c, title="云南普洱茶饼 Pu'er")
        c.close()
        b = sign_in(s, merchant_id)
        sheet = b.get(f"/M/products/{p['id']}/sheet.pdf")
        assert sheet.status == 200 and sheet.header("Content-Type") == "application/pdf"
        assert sheet.body.startswith(b"%PDF") and sheet.body.rstrip().endswith(b"%%EOF")
        assert f"hutong-{p['code']}-sheet.pdf" in sheet.header("Content-Disposition")
    finally:
        s.assert_clean_exit()


def test_xss_title_is_escaped_in_the_dashboard(server, shop):
    b = sign_in(server, shop["a_id"])
    p = product(shop["a"], title="<script>alert(1)</script>")
    for path in ("/M/products", f"/M/products/{p['id']}", "/M/stats"):
        page = b.get(path)
        assert "<script>alert(1)</script>" not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, path


def test_merchant_a_cannot_see_or_touch_bs_data(server, shop):
    b = sign_in(server, shop["a_id"])
    pb, b_order = shop["pb"], shop["b_order"]
    assert b.get(f"/M/products/{pb['id']}").status == 404
    assert b.get(f"/M/products/{pb['id']}/sheet.pdf").status == 404
    assert b.post(f"/M/products/{pb['id']}", {"csrf": b.csrf, "title": "pwned", "price": "1.00", "currency": "CNY",
                                              "stock": "0"}).status == 404
    assert b.post(f"/M/products/{pb['id']}/archive", {"csrf": b.csrf}).status == 404
    assert b.get(f"/M/orders/{b_order['id']}").status == 404
    for action in ("ship", "refund", "refuse"):
        r = b.post(f"/M/orders/{b_order['id']}/{action}", {"csrf": b.csrf, "carrier": "SF", "tracking_number": "SF1"})
        assert r.status == 404, action
    for path in ("/M/products", "/M/orders", "/M/", f"/M/stats?code={pb['code']}"):
        assert "secret kettle" not in b.get(path).text, path
    still = shop["b"].get(f"/v1/products/{pb['id']}").json
    assert still["title"] == "B's secret kettle" and still["status"] == "active"
    assert shop["b"].get(f"/v1/orders/{b_order['id']}").json["state"] == "pending_payment"


def test_ship_and_money_pages(server, shop):
    b = sign_in(server, shop["a_id"])
    order_id = shop["a_order"]["id"]
    page = b.get("/M/orders?state=paid")
    assert f"/M/orders/{order_id}" in page.text
    r = b.post(f"/M/orders/{order_id}/ship", {"csrf": b.csrf, "carrier": "SF Express", "tracking_number": "bad no!"})
    assert r.status == 422 and 'id="e-tracking_number"' in r.text
    r = b.post(f"/M/orders/{order_id}/ship", {"csrf": b.csrf, "carrier": "SF Express", "tracking_number": "SF123"})
    assert r.status == 303
    order = shop["a"].get(f"/v1/orders/{order_id}").json
    assert order["state"] == "shipped" and order["tracking_number"] == "SF123"
    again = b.post(f"/M/orders/{order_id}/ship", {"csrf": b.csrf, "carrier": "SF", "tracking_number": "SF9"})
    assert again.status == 409  # shipped already: the state machine says no
    money = b.get("/M/money")
    assert money.status == 200 and 'data-escrow="CNY"' in money.text
    csv = b.get("/M/money/statement.csv")
    assert csv.status == 200 and csv.text.startswith("time,kind,account,currency,amount,order_id")
    assert "payment_captured" in csv.text
    r = b.post("/M/payouts", {"csrf": b.csrf})
    assert r.status == 422  # nothing released yet, so nothing to pay out


def test_sign_out_ends_the_session(server, shop):
    b = sign_in(server, shop["a_id"])
    stale = dict(b.cookies)
    r = b.post("/M/logout", {"csrf": b.csrf})
    assert r.status == 303 and r.location == "/M/login"
    assert "hutong_session" not in b.cookies
    b.cookies = stale  # the old cookie no longer works either
    assert b.get("/M/").status == 303


def test_password_change_signs_out_everywhere(server, shop):
    b = sign_in(server, shop["b_id"])
    r = set_password(server, shop["b_id"], "a new passphrase")
    assert r.returncode == 0
    assert b.get("/M/").status == 303
    assert set_password(server, shop["b_id"], "short").returncode == 2
    sign_in(server, shop["b_id"], "a new passphrase")
    assert set_password(server, shop["b_id"], PASSWORD).returncode == 0


def test_idle_sessions_expire(server, shop):
    b = sign_in(server, shop["a_id"])
    c = server.client()
    assert c.post("/_test/clock", {"advance_ms": 31 * 60 * 1000}).status == 200
    c.close()
    assert b.get("/M/").status == 303


def test_sign_in_is_rate_limited_per_merchant_and_per_address():
    s = Server().start()
    try:
        merchant_id, c = new_merchant(s)
        c.close()
        b = Browser(s.port)
        token = b.get("/M/login").field("login_token")
        statuses = [b.post("/M/login", {"login_token": token, "merchant": str(merchant_id), "password": "wrong pass"}).status
                    for _ in range(10)]
        assert statuses == [401] * 10
        r = b.post("/M/login", {"login_token": token, "merchant": str(merchant_id), "password": PASSWORD})
        assert r.status == 429 and r.header("Retry-After")  # even the right password, for now
        # The address's own limit: 30 failures in the window, whatever the merchant (the 429
        # above counted none).
        statuses = [b.post("/M/login", {"login_token": token, "merchant": str(1000 + i), "password": "x"}).status
                    for i in range(20)]
        assert statuses == [401] * 20
        assert b.post("/M/login", {"login_token": token, "merchant": "2000", "password": "x"}).status == 429
        # After the window both limits let the merchant in again.
        c = s.client()
        assert c.post("/_test/clock", {"advance_ms": 11 * 60 * 1000}).status == 200
        c.close()
        sign_in(s, merchant_id)
    finally:
        s.assert_clean_exit()
