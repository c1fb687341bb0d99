"""The buyer's pages over HTTP: the cart cookie, checkout validation (messages next to the
fields, never a 5xx), stock, cross-site posts, the order page's actions by state, its
long-poll, the wallet choice per client, and escaping."""
import threading
import time
import urllib.parse

import pytest

from web import Browser, pay, place_order, product

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.44(0x18002c2a) NetType/WIFI Language/zh_CN")


@pytest.fixture(scope="module")
def shop(server):
    merchant_id, key = server.new_merchant("Buyer page shop")
    c = server.client(key)
    yield {"c": c, "physical": product(c, title="Teapot", stock=5),
           "ebook": product(c, title="E-book", price_minor=990, stock=100, delivery="auto")}
    c.close()


def test_buy_now_fills_the_cart_cookie(server, shop):
    b = Browser(server.port)
    r = b.post("/checkout", {"code": shop["physical"]["code"].lower(), "quantity": "2"})
    assert r.status == 303 and r.location == "/checkout"
    cookie = [v for v in r.headers_named("Set-Cookie") if v.startswith("cart=")][0]
    assert cookie.startswith(f"cart={shop['physical']['code']}:2;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = b.get("/checkout")
    assert page.status == 200 and "Teapot" in page.text and 'name="address"' in page.text
    # Add to cart from the product page goes back to the product.
    r = b.post("/cart", {"action": "add", "code": shop["ebook"]["code"], "quantity": "1"})
    assert r.status == 303 and r.location == f"/P/{shop['ebook']['code']}?added=1"
    assert b.cookies["cart"] == f"{shop['physical']['code']}:2.{shop['ebook']['code']}:1"
    r = b.post("/cart", {"action": "remove", "code": shop["physical"]["code"]})
    assert r.status == 303 and b.cookies["cart"] == f"{shop['ebook']['code']}:1"
    page = b.get("/checkout")
    assert 'name="address"' not in page.text  # nothing physical left: no address asked


def test_a_malformed_cart_cookie_is_an_empty_cart(server):
    b = Browser(server.port)
    b.cookies["cart"] = "<script>:1"
    page = b.get("/checkout")
    assert page.status == 200 and "<script>" not in page.text


def test_checkout_shows_messages_next_to_fields(server, shop):
    b = Browser(server.port)
    b.post("/checkout", {"code": shop["physical"]["code"], "quantity": "1"})
    before = len(shop["c"].get("/v1/orders").json["data"])
    r = b.post("/checkout", {"place": "1", "name": "", "phone": "12", "address": ""})
    assert r.status == 422
    for field in ("name", "phone", "address"):
        assert f'id="e-{field}"' in r.text, field
    r = b.post("/checkout", {"place": "1", "name": "x" * 51, "phone": "13800138000", "address": "a"})
    assert r.status == 422 and 'id="e-name"' in r.text
    assert len(shop["c"].get("/v1/orders").json["data"]) == before


def test_not_enough_stock_is_shown_on_the_line(server, shop):
    b = Browser(server.port)
    b.post("/checkout", {"code": shop["physical"]["code"], "quantity": "99"})
    r = b.post("/checkout", {"place": "1", "name": "李雷", "phone": "13800138000", "address": "上海"})
    assert r.status == 409 and "库存不足" in r.text
    assert shop["c"].get(f"/v1/products/{shop['physical']['id']}").json["stock"] == 5  # nothing reserved


def test_bad_forms_are_4xx_never_5xx(server, shop):
    b = Browser(server.port)
    for form in ({"code": "NOPE", "quantity": "1"}, {"code": shop["physical"]["code"], "quantity": "abc"},
                 {"code": shop["physical"]["code"], "quantity": "100"}, {"place": "1"}):
        assert 400 <= b.post("/checkout", form).status < 500, form
    r = b.request("POST", "/checkout", form={}, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status < 500
    raw = Browser(server.port)
    r = raw.request("POST", "/cart", form=None, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                         "Origin": raw.origin})
    assert 400 <= r.status < 500


def test_posts_from_another_site_are_refused(server, shop):
    b = Browser(server.port)
    r = b.post("/checkout", {"code": shop["physical"]["code"], "quantity": "1"}, origin="https://evil.example")
    assert r.status == 403 and "cart" not in b.cookies
    r = b.post("/checkout", {"code": shop["physical"]["code"], "quantity": "1"}, origin="null")
    assert r.status == 403
    r = b.request("POST", "/checkout", form={"code": shop["physical"]["code"], "quantity": "1"}, origin=None,
                  headers={"Referer": "https://evil.example/page"})
    assert r.status == 403
    _, token = place_order(server, shop["ebook"]["code"])
    r = b.post(f"/O/{token}/pay", {"channel": "sandbox"}, origin="https://evil.example")
    assert r.status == 403


def test_order_page_and_the_buyers_actions(server, shop):
    b, token = place_order(server, shop["physical"]["code"], quantity=2)
    assert "cart" not in b.cookies  # the cart is emptied by a placed order
    page = b.get(f"/O/{token}")
    assert page.status == 200 and 'data-state="pending_payment"' in page.text
    assert 'value="sandbox"' in page.text
    assert b.get(f"/O/{token.lower()}").status == 200  # tokens are typed case-insensitively
    assert b.get("/O/0000000000000000").status == 404
    r = b.post(f"/O/{token}/confirm", {})
    assert r.status == 409 and 'data-state="pending_payment"' in r.text
    pay(server, b, token)
    page = b.get(f"/O/{token}")
    assert 'data-state="paid"' in page.text
    r = b.post(f"/O/{token}/refund", {"amount": "1.234", "reason": "x"})
    assert r.status == 422 and 'id="e-amount"' in r.text
    r = b.post(f"/O/{token}/refund", {"amount": "10.00", "reason": "坏了 <b>broken</b>"})
    assert r.status == 303 and r.location == f"/O/{token}"
    page = b.get(f"/O/{token}")
    assert 'data-state="refund_requested"' in page.text and "<b>broken</b>" not in page.text
    assert b.post(f"/O/{token}/withdraw", {}).status == 303
    assert 'data-state="paid"' in b.get(f"/O/{token}").text


def test_wallets_offered_per_client(server, shop):
    _, token = place_order(server, shop["ebook"]["code"])
    wechat = Browser(server.port, user_agent=WECHAT_UA).get(f"/O/{token}")
    assert "wallet-sandbox" in wechat.text
    bot = Browser(server.port, user_agent="facebookexternalhit/1.1").get(f"/O/{token}")
    assert "wallet-sandbox" not in bot.text  # link previews get no checkout
    r = Browser(server.port).post(f"/O/{token}/pay", {"channel": "nonesuch"})
    assert r.status == 400


def test_the_order_page_long_poll_wakes_on_payment(server, shop):
    b, token = place_order(server, shop["ebook"]["code"])
    c = server.client()
    first = c.get(f"/O/{token}/wait?version=-1")  # a different version answers at once
    assert first.status == 200 and first.json["state"] == "pending_payment"
    version = first.json["version"]
    result = {}

    def wait():
        started = time.monotonic()
        w = server.client()
        result["r"] = w.get(f"/O/{token}/wait?version={version}")
        result["s"] = time.monotonic() - started
        w.close()

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.5)
    pay(server, b, token)
    t.join(timeout=30)
    assert not t.is_alive()
    assert result["r"].json["state"] == "paid" and result["r"].json["version"] != version
    assert result["s"] < 10  # woken by the notification, not by the 25 s timeout
    c.close()


def test_xss_title_is_inert_on_buyer_pages(server, shop):
    p = product(shop["c"], title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>")
    b = Browser(server.port)
    pages = [b.get(f"/P/{p['code']}")]
    b.post("/checkout", {"code": p["code"], "quantity": "1"})
    pages.append(b.get("/checkout"))
    _, token = place_order(server, p["code"])
    pages.append(b.get(f"/O/{token}"))
    for page in pages:
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<img src=x" not in page.text


def test_language_follows_accept_language_and_the_switch(server, shop):
    b = Browser(server.port)
    en = b.get("/checkout", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in en.text and "Checkout" in en.text
    zh = b.get("/checkout", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="zh-CN">' in zh.text and "结算" in zh.text
    switched = b.get("/checkout?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in switched.text and b.cookies.get("lang") == "en"
