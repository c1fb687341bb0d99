"""Aggregated pay codes (/PAY/{code}): each wallet's User-Agent is routed to its flow — WeChat
to JSAPI (through WeChat's web authorisation, played by the simulator) or to the Native code,
Alipay and Taobao to Alipay's cashier, desktops to one QR per wallet, everyone else to a
choice — against the simulators; a static code asks for the amount and holds the per-buyer
daily cap; the printed code decodes to an upper-case URL. Runs on both engines.
"""
import base64
import html
import json
import os
import re
import subprocess
import tempfile
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import Server
from wallets import (sims,  # noqa: F401 (a fixture)
                     UA_ALIPAY, UA_DESKTOP, UA_DOUYIN, UA_IPHONE, UA_TAOBAO, UA_WECHAT, WAIT_S, Shop, Sim,
                     alipay_config, key, ledger_clean, wechatpay_config)

UA_UNIONPAY = ("Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, "
               "like Gecko) Version/4.0 Chrome/99.0.4844.88 Mobile Safari/537.36 (com.unionpay.uppay) "
               "UnionPay/1.0 CloudPay")
UA_BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
APP_SECRET = "hutongTestAppSecret0123456789abc"


def make_shop(server, sims, wechatpay=True, alipay=True, **wx_extra):
    merchant_id, key_ = server.new_merchant()
    c = server.client(key_)
    if wechatpay:
        assert c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config(sims[0], **wx_extra)).status == 200
    if alipay:
        assert c.request("PUT", "/v1/channels/alipay", body=alipay_config(sims[1])).status == 200
    return Shop(server, c, merchant_id)


@pytest.fixture
def shop(server, sims):
    s = make_shop(server, sims)
    yield s
    s.close()
    s.c.close()
    ledger_clean(server)


def visit(server, path, ua, cookie=None, method="GET", body=None):
    c = server.client()
    headers = {"User-Agent": ua, "Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    r = c.request(method, path, raw=body, headers=headers)
    c.close()
    return r


def route_of(r):
    m = re.search(r'data-route="([a-z_]+)"', r.text)
    return m.group(1) if m else None


def payments(shop, order):
    return shop.get(order)["payments"]


@pytest.mark.parametrize("ua", [UA_ALIPAY, UA_TAOBAO], ids=["alipay", "taobao"])
def test_alipay_apps_go_to_the_alipay_cashier(server, sims, shop, ua):
    order = shop.order()
    r = visit(server, f"/PAY/{order['token']}", ua)
    assert r.status == 302, r
    location = r.header("Location")
    assert location.startswith(sims[1].url + "/gateway.do?")
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["method"] == "alipay.trade.wap.pay"
    # The cashier opens, the buyer pays, the notification makes the order paid.
    urllib.request.urlopen(location, timeout=WAIT_S).read()
    p = payments(shop, order)
    assert [x["channel"] for x in p] == ["alipay"]
    sims[1].pay(p[0]["reference"])
    shop.wait_state(order, "paid")
    assert route_of(visit(server, f"/PAY/{order['token']}", ua)) == "done"


def test_wechat_without_web_authorisation_gets_the_native_code(server, sims, shop):
    order = shop.order()
    r = visit(server, f"/PAY/{order['token']}", UA_WECHAT)
    assert r.status == 200 and route_of(r) == "wechat_native", r
    assert 'class="card wallet-qr" data-channel="wechatpay"' in r.text and "<svg" in r.text
    # Reloading shows the same attempt instead of creating another wallet order.
    assert route_of(visit(server, f"/PAY/{order['token']}", UA_WECHAT)) == "wechat_native"
    p = payments(shop, order)
    assert len(p) == 1 and p[0]["channel"] == "wechatpay"
    sims[0].pay(p[0]["reference"])
    shop.wait_state(order, "paid")


def test_wechat_with_web_authorisation_gets_jsapi(server, sims):
    shop = make_shop(server, sims, app_secret=APP_SECRET)
    try:
        order = shop.order()
        r = visit(server, f"/PAY/{order['token']}", UA_WECHAT)
        assert r.status == 302, r
        authorize = r.header("Location")
        assert authorize.startswith(sims[0].url + "/connect/oauth2/authorize?")
        assert "scope=snsapi_base" in authorize and authorize.endswith("#wechat_redirect")
        # WeChat (the simulator) sends the buyer back with a code.
        req = urllib.request.Request(authorize.split("#")[0])

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(req, timeout=WAIT_S)
            raise AssertionError("expected a redirect")
        except urllib.error.HTTPError as e:
            back = e.headers["Location"]
        path = back[len(f"http://127.0.0.1:{server.port}"):]
        assert path.startswith(f"/PAY/{order['token']}?via=wechatpay&code=")
        r = visit(server, path, UA_WECHAT)
        assert r.status == 200 and route_of(r) == "wechat_jsapi", r
        m = re.search(r'<script type="application/json" id="wechatpay-jsapi">(.*?)</script>', r.text)
        params = json.loads(m.group(1))
        pub = serialization.load_pem_public_key(key("wechatpay_merchant_pub.pem").encode())
        message = "%s\n%s\n%s\n%s\n" % (params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
        pub.verify(base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())
        assert "/static/pay.js" in r.text
        # The same code does not work twice; the page falls back to the Native code.
        assert route_of(visit(server, path, UA_WECHAT)) == "wechat_native"
        p = [x for x in payments(shop, order)]
        sims[0].pay(p[0]["reference"])
        shop.wait_state(order, "paid")
    finally:
        shop.close()
        shop.c.close()


def test_desktop_gets_one_code_per_wallet(server, sims, shop):
    order = shop.order()
    r = visit(server, f"/PAY/{order['token']}", UA_DESKTOP)
    assert r.status == 200 and route_of(r) == "desktop", r
    assert re.findall(r'data-channel="(\w+)"', r.text) == ["wechatpay", "alipay"]
    assert r.text.count("<svg") >= 2
    visit(server, f"/PAY/{order['token']}", UA_DESKTOP)
    assert sorted(x["channel"] for x in payments(shop, order)) == ["alipay", "wechatpay"]
    # The buyer scans the Alipay code; the other attempt stays open and harmless.
    ali = next(x for x in payments(shop, order) if x["channel"] == "alipay")
    sims[1].pay(ali["reference"])
    shop.wait_state(order, "paid")


@pytest.mark.parametrize("ua", [UA_IPHONE, UA_DOUYIN, UA_UNIONPAY], ids=["iphone", "douyin", "unionpay"])
def test_other_apps_get_a_choice(server, sims, shop, ua):
    order = shop.order()
    r = visit(server, f"/PAY/{order['token']}", ua)
    assert r.status == 200 and route_of(r) == "choose", r
    assert re.findall(r'data-wallet="(\w+)"', r.text) == ["wechatpay", "alipay", "sandbox", "unionpay"]
    assert payments(shop, order) == []
    # Choosing Alipay on a phone goes to the cashier; choosing the sandbox to its page.
    r = visit(server, f"/PAY/{order['token']}?via=alipay", ua)
    assert r.status == 302 and "/gateway.do?" in r.header("Location")
    r = visit(server, f"/PAY/{order['token']}?via=sandbox", ua)
    assert r.status == 302 and "/pay/sandbox/" in r.header("Location")


def test_unconfigured_wallets_fall_back_to_a_choice(server, sims):
    shop = make_shop(server, sims, wechatpay=False, alipay=False)
    try:
        order = shop.order()
        for ua in (UA_WECHAT, UA_ALIPAY):
            r = visit(server, f"/PAY/{order['token']}", ua)
            assert route_of(r) == "choose"
            assert re.findall(r'data-wallet="(\w+)"', r.text) == ["sandbox", "unionpay"]
        # ?via= of a wallet the shop lacks is ignored.
        assert route_of(visit(server, f"/PAY/{order['token']}?via=wechatpay", UA_IPHONE)) == "choose"
    finally:
        shop.close()
        shop.c.close()


def test_bots_and_unknown_codes(server, sims, shop):
    order = shop.order()
    r = visit(server, f"/PAY/{order['token']}", UA_BOT)
    assert r.status == 200 and route_of(r) == "none" and 'name="robots" content="noindex"' in r.text
    assert payments(shop, order) == []
    assert visit(server, "/PAY/ZZZZZZZZZZZZZZZZ", UA_WECHAT).status == 404
    assert visit(server, "/PAY/NOTACODE!", UA_WECHAT).status == 404
    # The path is case-insensitive, as printed codes are scanned and typed.
    assert route_of(visit(server, f"/pay/{order['token'].lower()}", UA_IPHONE)) == "choose"


def test_the_wallet_pay_page(server, sims, shop):
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    r = visit(server, urllib.parse.urlsplit(p["pay_url"]).path, UA_IPHONE)
    assert r.status == 200 and 'data-channel="wechatpay"' in r.text and "¥88.00" in r.text
    assert visit(server, urllib.parse.urlsplit(p["pay_url"]).path.replace("wechatpay", "alipay"),
                 UA_IPHONE).status == 404
    sims[0].pay(p["reference"])
    shop.wait_state(order, "paid")
    r = visit(server, urllib.parse.urlsplit(p["pay_url"]).path, UA_IPHONE)
    assert "已付款" in r.text or "Paid" in r.text


# ---- the static code ----

def device_cookie(r):
    value = r.header("Set-Cookie")
    assert value and value.startswith("hutong_buyer=") and "HttpOnly" in value
    return value.split(";")[0]


def merchant_code(shop):
    m = shop.c.get("/v1/merchant").json
    assert m["pay_code_url"] == f"http://127.0.0.1:{shop.server.port}/PAY/{m['code']}"
    assert m["pay_code_qr"] == f"http://127.0.0.1:{shop.server.port}/qr/PAY/{m['code']}.svg"
    return m["code"]


def test_static_code_loop(server, sims, shop):
    code = merchant_code(shop)
    r = visit(server, f"/PAY/{code}", UA_WECHAT)
    assert r.status == 200 and route_of(r) == "static" and 'name="amount"' in r.text
    assert 'data-cap="50000"' in r.text
    cookie = device_cookie(r)
    r = visit(server, f"/PAY/{code}", UA_WECHAT, cookie=cookie, method="POST", body=b"amount=12.50&note=%E8%B0%A2%E8%B0%A2")
    assert r.status == 303, r
    token = r.header("Location").rsplit("/", 1)[1]
    o = shop.get({"token": token})
    order = {"token": token, "id": o["id"]}
    assert o["total_minor"] == 1250 and o["items"] == [] and o["delivery"] == "virtual"
    merchant_view = shop.c.get(f"/v1/orders/{o['id']}").json
    assert merchant_view["source"] == {"code": code, "channel": "pay_code", "client": "wechat"}
    assert merchant_view["note"] == "谢谢"
    # Then the dynamic code of that order routes the scanning app as usual.
    r = visit(server, f"/PAY/{token}", UA_WECHAT)
    assert route_of(r) == "wechat_native"
    sims[0].pay(shop.get(order)["payments"][0]["reference"])
    shop.wait_state(order, "paid")
    # Escrow as usual: the merchant marks it delivered (virtual: no tracking), the buyer confirms.
    r = shop.c.post(f"/v1/orders/{o['id']}/ship", {"carrier": "到店"})
    assert r.status == 200 and r.json["state"] == "shipped", r
    r = shop.buyer.post(f"/v1/buyer/orders/{token}/confirm")
    assert r.json["state"] == "completed" and r.json["released_minor"] == 1250


@pytest.mark.parametrize("amount", [b"abc", b"0", b"0.00", b"1.234", b"-1", b"01", b"", b"1e3"])
def test_static_code_refuses_bad_amounts(server, sims, shop, amount):
    code = merchant_code(shop)
    cookie = device_cookie(visit(server, f"/PAY/{code}", UA_IPHONE))
    r = visit(server, f"/PAY/{code}", UA_IPHONE, cookie=cookie, method="POST", body=b"amount=" + amount)
    assert r.status == 400 and "data-problem" in r.text


def test_static_code_needs_the_signed_device_cookie(server, sims, shop):
    code = merchant_code(shop)
    r = visit(server, f"/PAY/{code}", UA_IPHONE, method="POST", body=b"amount=1")
    assert r.status == 400 and "data-problem" in r.text
    cookie = device_cookie(r)  # the refusal hands out a cookie, so trying again works
    assert visit(server, f"/PAY/{code}", UA_IPHONE, cookie=cookie, method="POST", body=b"amount=1").status == 303
    forged = cookie[:-1] + ("0" if cookie[-1] != "0" else "1")
    assert visit(server, f"/PAY/{code}", UA_IPHONE, cookie=forged, method="POST", body=b"amount=1").status == 400
    assert visit(server, f"/PAY/{code}", UA_IPHONE, cookie=cookie, method="POST", body=b"amount=1").status == 303


def test_static_code_daily_cap_per_buyer(server, sims, shop):
    code = merchant_code(shop)
    a = device_cookie(visit(server, f"/PAY/{code}", UA_IPHONE))
    b = device_cookie(visit(server, f"/PAY/{code}", UA_IPHONE))
    assert a != b
    post = lambda cookie, amount: visit(server, f"/PAY/{code}", UA_IPHONE, cookie=cookie, method="POST",
                                        body=b"amount=" + amount).status
    assert post(a, b"300") == 303
    assert post(a, b"200.00") == 303  # exactly ¥500: allowed
    assert post(a, b"0.01") == 422    # one fen more: refused
    assert post(a, b"500.01") == 422
    assert post(b, b"500") == 303     # another buyer has their own cap
    assert post(b, b"0.01") == 422
    rows = server.execute("SELECT buyer_key, used_minor FROM pay_code_usage ORDER BY used_minor")
    assert sorted(int(r[1]) for r in rows[-2:]) == [50000, 50000]


def test_static_code_cap_is_configurable():
    s = Server(extra_env={"HUTONG_PAY_CODE_DAILY_CAP_MINOR": "1000"}).start()
    try:
        merchant_id, key_ = s.new_merchant()
        c = s.client(key_)
        code = s.execute("SELECT code FROM merchants WHERE id = ?", merchant_id)[0][0]
        r = visit(s, f"/PAY/{code}", UA_IPHONE)
        assert 'data-cap="1000"' in r.text
        cookie = device_cookie(r)
        post = lambda amount: visit(s, f"/PAY/{code}", UA_IPHONE, cookie=cookie, method="POST",
                                    body=b"amount=" + amount).status
        assert post(b"10.01") == 422
        assert post(b"10") == 303
        assert post(b"0.01") == 422
        # A new Beijing day, a new cap.
        assert c.post("/_test/clock", {"advance_ms": 24 * 3600 * 1000}).status == 200
        assert post(b"10") == 303
        c.close()
    finally:
        s.assert_clean_exit()


def test_printed_code_is_an_upper_case_url(server, sims, shop):
    code = merchant_code(shop)
    r = visit(server, f"/qr/PAY/{code.lower()}.svg", UA_DESKTOP)
    assert r.status == 200 and r.header("Content-Type") == "image/svg+xml"
    with tempfile.TemporaryDirectory() as d:
        svg, png = os.path.join(d, "code.svg"), os.path.join(d, "code.png")
        with open(svg, "wb") as f:
            f.write(r.body)
        subprocess.run(["rsvg-convert", "-w", "400", "-b", "white", "-o", png, svg], check=True, timeout=60)
        out = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, timeout=60, check=True)
    assert out.stdout.decode().strip() == f"HTTP://127.0.0.1:{server.port}/PAY/{code}"


def ua_samples():
    """(class, User-Agent) rows of the real UAs the client detector is tested with:
    tests/data/user-agents-extra.tsv, and the design brief's reference list when present."""
    here = os.path.dirname(__file__)
    shared = os.environ.get("HUTONG_SHARED", os.path.join(here, "..", "..", "..", "shared"))
    rows = []
    for path in (os.path.join(here, "..", "data", "user-agents-extra.tsv"),
                 os.path.join(shared, "reference", "user-agents.tsv")):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                rows += [tuple(line.rstrip("\n").split("\t", 1)) for line in f
                         if "\t" in line and not line.startswith("#")]
    return rows


# The flow each class of app gets (desktop operating systems aside, see below).
EXPECTED_ROUTE = {"bot": "none", "wechat": "wechat_native", "wechat_miniprogram": "wechat_native",
                  "wechat_desktop": "desktop", "desktop_browser": "desktop", "alipay": "alipay_cashier",
                  "taobao": "alipay_cashier", "tmall": "alipay_cashier"}
DESKTOP_OS = re.compile(r"Windows NT|Macintosh|X11|CrOS")


def test_every_sample_user_agent_reaches_its_flow(server, sims, shop):
    order = shop.order()
    for cls, ua in ua_samples():
        expected = EXPECTED_ROUTE.get(cls, "choose")
        if expected in ("choose", "wechat_native") and DESKTOP_OS.search(ua):
            expected = "desktop"  # an app on a computer: the buyer scans with a phone
        r = visit(server, f"/PAY/{order['token']}", ua)
        got = "alipay_cashier" if r.status == 302 and "/gateway.do?" in (r.header("Location") or "") else route_of(r)
        assert got == expected, f"{cls}: {ua}"
