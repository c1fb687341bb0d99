"""The whole transaction loop through the WeChat Pay and Alipay adapters, against the local
simulators (tests/sim): place → pay → the wallet's signed (for WeChat Pay, encrypted)
notification → paid → ship → confirm → released; refunds and refund notifications;
notifications that come late, twice, out of order, or after a refused first delivery;
calls that time out → UNKNOWN → reconciliation; and bad input — wrong signature, stale
timestamp, unknown serial, tampered ciphertext, unknown out_trade_no, amount or merchant
mismatch, malformed bodies — answered the way each wallet expects, with nothing applied and
`hutong ledger verify` clean. Runs on both engines.
"""
import base64
import json
import os
import time
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from conftest import Server
from wallets import (sims,  # noqa: F401 (a fixture)
                     HANG_MS, KEYS, MCHID, UA_ALIPAY, UA_DESKTOP, UA_IPHONE, UA_WECHAT, WAIT_S, Shop,
                     Sim, alipay_config, alipay_signer, key, ledger_clean, post_notification, wait_for,
                     wechatpay_config, wechatpay_signer)

FAIL_JSON = {"code": "FAIL", "message": "失败"}
# Age at which an attempt of unknown outcome is asked about (src/jobs/scheduler.h: the longest
# wallet call, 30 s, and 10 s), and a second more.
RECONCILE_UNKNOWN_AFTER_MS = 40_000 + 1_000


class Clock:
    """Moves the server's clock and both simulators' clocks together, so that signed time
    stamps stay within each other's five minutes."""

    def __init__(self, server, sims):
        self.server, self.sims, self.offset_ms = server, sims, 0

    def advance(self, ms):
        c = self.server.client()
        assert c.post("/_test/clock", {"advance_ms": ms}).status == 200
        c.close()
        self.offset_ms += ms
        for sim in self.sims:
            sim.control("/_sim/config", {"clock_offset_s": self.offset_ms // 1000})


@pytest.fixture(scope="module")
def clock(server, sims):
    return Clock(server, sims)


@pytest.fixture
def shop(server, sims):
    wx, ali = sims
    merchant_id, key_ = server.new_merchant()
    c = server.client(key_)
    assert c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config(wx)).status == 200
    assert c.request("PUT", "/v1/channels/alipay", body=alipay_config(ali)).status == 200
    s = Shop(server, c, merchant_id)
    yield s
    s.close()
    c.close()
    ledger_clean(server)


def jobs(server):
    c = server.client()
    r = c.post("/_test/jobs")
    c.close()
    assert r.status == 200


def payment_of(order, reference):
    return next(p for p in order["payments"] if p["reference"] == reference)


# ---- WeChat Pay ----

def test_wechatpay_native_loop(server, sims, shop):
    wx, _ = sims
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    assert p["status"] == "pending" and p["channel"] == "wechatpay"
    assert p["pay_url"].endswith("/pay/wechatpay/" + p["reference"])
    page = server.execute("SELECT kind, data FROM payment_pages WHERE reference = ?", p["reference"])
    assert page[0][0] == "qr" and page[0][1].startswith("weixin://wxpay/bizpayurl?pr=")
    # The simulator checked our Authorization byte for byte and created a Native order.
    assert any(r["path"] == "/v3/pay/transactions/native" and r["status"] == 200 for r in wx.log()["requests"])
    wx.pay(p["reference"])
    paid = shop.wait_state(order, "paid")
    assert paid["paid_minor"] == 8800 and payment_of(paid, p["reference"])["status"] == "succeeded"
    done = shop.ship_and_confirm(order)
    assert done["released_minor"] == 8800
    # WeChat Pay heard 204 (回调通知 应答) for the one delivery.
    d = wx.deliveries(lambda d: d["event"] == "TRANSACTION.SUCCESS")
    assert [x["status"] for x in d] == [204]


def test_wechatpay_jsapi_with_openid(server, sims, shop):
    wx, _ = sims
    order = shop.order()
    p = shop.pay(order, "wechatpay", ua=UA_WECHAT, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    assert p["status"] == "pending"
    kind, data = server.execute("SELECT kind, data FROM payment_pages WHERE reference = ?", p["reference"])[0]
    assert kind == "jsapi"
    params = json.loads(data)
    assert params["appId"] == "wxd678efh567hg6787" and params["signType"] == "RSA"
    assert params["package"].startswith("prepay_id=wx")
    # paySign verifies with the merchant's public key over appId\ntimeStamp\nnonceStr\npackage\n.
    pub = serialization.load_pem_public_key(key("wechatpay_merchant_pub.pem").encode())
    message = "%s\n%s\n%s\n%s\n" % (params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    pub.verify(base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert any(r["path"] == "/v3/pay/transactions/jsapi" for r in wx.log()["requests"])
    wx.pay(p["reference"])
    shop.wait_state(order, "paid")


def test_wechatpay_refund_and_its_notification(server, sims, shop):
    wx, _ = sims
    order = shop.order(quantity=2)
    p = shop.pay(order, "wechatpay")
    wx.pay(p["reference"])
    shop.wait_state(order, "paid")
    r = shop.c.post(f"/v1/orders/{order['id']}/refunds", {"amount_minor": 5000})
    assert r.status == 200 and r.json["state"] == "paid", r
    o = shop.wait_refund(order)
    assert o["refunded_minor"] == 5000 and o["refunds"][0]["amount_minor"] == 5000
    # The refund answered PROCESSING; REFUND.SUCCESS followed and was acknowledged.
    refunds = [x for x in wx.log()["requests"] if x["path"] == "/v3/refund/domestic/refunds"]
    assert refunds and all(x["status"] == 200 for x in refunds)
    wait_for("REFUND.SUCCESS delivered", lambda: wx.deliveries(lambda d: d["event"] == "REFUND.SUCCESS"
                                                               and d["accepted"]))
    # Refunding the rest ends the order refunded.
    assert shop.c.post(f"/v1/orders/{order['id']}/refunds", {}).status == 200
    o = shop.wait_refund(order, count=2)
    assert o["state"] == "refunded" and o["refunded_minor"] == 17600


def test_wechatpay_late_twice_and_failed_first(server, sims, shop):
    wx, _ = sims
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    start = len(wx.deliveries())
    wx.pay(p["reference"], delay_ms=300, times=2, fail_first=True)
    assert shop.get(order)["state"] == "pending_payment"  # late: nothing yet
    shop.wait_state(order, "paid")
    wait_for("three deliveries", lambda: len(wx.deliveries()) - start >= 3)
    mine = wx.deliveries()[start:]
    # The tampered first delivery was refused with 401 and the wallet's failure body; the
    # retry and the second (duplicate) delivery were acknowledged; money moved once.
    assert mine[0]["tampered"] and mine[0]["status"] == 401 and json.loads(mine[0]["ack"]) == FAIL_JSON
    assert [d["status"] for d in mine[1:]] == [204, 204]
    o = shop.get(order)
    assert o["paid_minor"] == 8800 and [x["status"] for x in o["payments"]] == ["succeeded"]
    assert "bad_signature" in server.log()


def test_wechatpay_out_of_order(server, sims, shop):
    wx, _ = sims
    orders = [shop.order() for _ in range(3)]
    refs = [shop.pay(o, "wechatpay")["reference"] for o in orders]
    for ref in refs:
        wx.pay(ref, hold=True, times=2)
    time.sleep(0.3)
    assert all(shop.get(o)["state"] == "pending_payment" for o in orders)
    assert wx.control("/_sim/flush", {"order": "reverse"})["flushed"] == 3
    for o in orders:
        shop.wait_state(o, "paid")
    assert all(shop.get(o)["paid_minor"] == 8800 for o in orders)


def test_wechatpay_start_timeout_then_reconciliation(server, sims, shop, clock):
    wx, _ = sims
    order = shop.order()
    wx.control("/_sim/timeout", {"path": "/v3/pay/transactions/native", "count": 1, "delay_ms": HANG_MS,
                                 "apply": True})
    p = shop.pay(order, "wechatpay")
    assert p["status"] == "unknown" and p["pay_url"] is None
    before = shop.balance()
    # The buyer pays anyway (the wallet made the order); its notification is held back.
    wx.pay(p["reference"], hold=True)
    # Nothing moves on a guess: the payment stays unknown or pending until the wallet answers.
    assert shop.get(order)["state"] == "pending_payment" and shop.balance() == before
    clock.advance(130_000)  # past the stale-pending threshold, so reconciliation asks either way
    jobs(server)
    o = shop.wait_state(order, "paid")
    assert payment_of(o, p["reference"])["status"] == "succeeded"
    assert any(r["path"].startswith("/v3/pay/transactions/out-trade-no/" + p["reference"])
               for r in wx.log()["requests"])
    # The held notification arrives after reconciliation: acknowledged, nothing changes.
    start = len(wx.deliveries())
    wx.control("/_sim/flush", {})
    wait_for("late delivery", lambda: wx.deliveries()[start:])
    assert wx.deliveries()[start]["status"] == 204
    assert shop.get(order)["paid_minor"] == 8800


def test_wechatpay_start_lost_is_failed_by_reconciliation(server, sims, shop, clock):
    wx, _ = sims
    order = shop.order()
    # The request never reaches the wallet's books (apply false): query says ORDER_NOT_EXIST.
    wx.control("/_sim/timeout", {"path": "/v3/pay/transactions/native", "count": 1, "delay_ms": HANG_MS,
                                 "apply": False})
    p = shop.pay(order, "wechatpay")
    assert p["status"] == "unknown"
    jobs(server)  # too young to ask about: its request might still be talking to the wallet
    assert payment_of(shop.get(order), p["reference"])["status"] == "unknown"
    clock.advance(RECONCILE_UNKNOWN_AFTER_MS)
    jobs(server)
    o = wait_for("failed attempt", lambda: (lambda o: o if payment_of(o, p["reference"])["status"] == "failed"
                                            else None)(shop.get(order)))
    assert o["state"] == "pending_payment"
    # The buyer simply tries again.
    p2 = shop.pay(order, "wechatpay")
    wx.pay(p2["reference"])
    shop.wait_state(order, "paid")


def test_wechatpay_refund_timeout_is_retried_once(server, sims, shop):
    wx, _ = sims
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    wx.pay(p["reference"])
    shop.wait_state(order, "paid")
    wx.control("/_sim/timeout", {"path": "/v3/refund/domestic/refunds", "count": 1, "delay_ms": HANG_MS,
                                 "apply": True})
    assert shop.c.post(f"/v1/orders/{order['id']}/refunds", {}).status == 200
    o = shop.wait_refund(order)
    assert o["state"] == "refunded" and o["refunded_minor"] == 8800
    # out_refund_no made the retry idempotent: the wallet refunded once.
    posts = [r for r in wx.log()["requests"] if r["path"] == "/v3/refund/domestic/refunds"]
    assert posts  # the timed-out call (and any retry: the same out_refund_no refunds once)
    wait_for("REFUND.SUCCESS", lambda: wx.deliveries(lambda d: d["event"] == "REFUND.SUCCESS" and d["accepted"]))


def test_wechatpay_not_configured_fails_cleanly(server, sims):
    merchant_id, key_ = server.new_merchant()
    c = server.client(key_)
    s = Shop(server, c, merchant_id)
    order = s.order()
    p = s.pay(order, "wechatpay", expect=502)
    assert p["status"] == "failed" and "not configured" in p["error"]
    assert s.get(order)["state"] == "pending_payment"
    s.close()
    c.close()


def test_wechatpay_public_key_mode(server):
    """The newer public-key mode: WeChat Pay signs with its public key id, not a certificate."""
    key_id = "PUB_KEY_ID_0112340000000000000000000000000000"
    wx = Sim("wechatpay", "--platform-serial", key_id)
    try:
        merchant_id, key_ = server.new_merchant()
        c = server.client(key_)
        config = wechatpay_config(wx, platform_public_key=key("wechatpay_platform_pub.pem"),
                                  platform_public_key_id=key_id)
        del config["platform_certificates"]
        assert c.request("PUT", "/v1/channels/wechatpay", body=config).status == 200
        s = Shop(server, c, merchant_id)
        order = s.order()
        p = s.pay(order, "wechatpay")
        assert p["status"] == "pending"  # the answer verified under the public key
        wx.pay(p["reference"])
        s.wait_state(order, "paid")
        # A notification signed under a certificate serial we were not given is refused.
        headers, body = craft_wechatpay(transaction(p["reference"]))
        assert post_notification(server, "wechatpay", merchant_id, headers, body)[0] == 401
        s.close()
        c.close()
        ledger_clean(server)
    finally:
        wx.stop()


def test_wechatpay_stale_answer_counts_as_none(server, sims, shop, clock):
    wx, _ = sims
    order = shop.order()
    offset = wx.control("/_sim/config", {})["clock_offset_s"]
    wx.control("/_sim/config", {"clock_offset_s": offset - 400})  # its answers are 400 s old
    try:
        p = shop.pay(order, "wechatpay")
    finally:
        wx.control("/_sim/config", {"clock_offset_s": offset})
    # The wallet, its clock 400 s behind, refused our request as stale — but its refusal was
    # itself stale, so we did not believe it either: the attempt is unknown, not failed.
    assert p["status"] == "unknown"
    assert "does not verify: stale_timestamp" in server.log()
    # With the clocks agreeing again, reconciliation (once the attempt is old enough to ask
    # about) learns the order was never made.
    clock.advance(RECONCILE_UNKNOWN_AFTER_MS)
    jobs(server)
    wait_for("failed after reconciliation",
             lambda: payment_of(shop.get(order), p["reference"])["status"] == "failed")
    assert shop.get(order)["state"] == "pending_payment"


def test_abandoned_attempts_are_asked_sparingly_then_closed():
    # Its own server and wallets: the clock moves half an hour here.
    server, wx, ali = Server().start(), Sim("wechatpay"), Sim("alipay")
    try:
        abandoned_attempts(server, (wx, ali))
    finally:
        wx.stop()
        ali.stop()
        server.assert_clean_exit()


def abandoned_attempts(server, sims):
    wx, ali = sims
    clock = Clock(server, sims)
    merchant_id, key_ = server.new_merchant()
    c = server.client(key_)
    assert c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config(wx)).status == 200
    assert c.request("PUT", "/v1/channels/alipay", body=alipay_config(ali)).status == 200
    shop = Shop(server, c, merchant_id)
    order = shop.order()
    pw = shop.pay(order, "wechatpay")
    pa = shop.pay(order, "alipay", ua=UA_DESKTOP)
    query = "/v3/pay/transactions/out-trade-no/" + pw["reference"]
    asked = lambda: len([r for r in wx.log()["requests"] if r["path"].startswith(query)])
    clock.advance(2 * 60 * 1000 + 1000)  # pending long enough to be asked about
    jobs(server)
    wait_for("the first question", lambda: asked() >= 1)
    time.sleep(1.5)  # three scheduler ticks: the answer "still waiting" is not asked again at once
    assert asked() <= 2
    assert all(p["status"] == "pending" for p in shop.get(order)["payments"])
    # Past the order's unpaid close and the grace, reconciliation closes both trades at their
    # wallets, so that neither can be paid any more, and fails the attempts.
    clock.advance(25 * 60 * 1000)
    jobs(server)
    o = wait_for("attempts failed", lambda: (lambda o: o if all(p["status"] == "failed" for p in o["payments"])
                                            else None)(shop.get(order)))
    assert o["state"] == "closed"
    assert any(r["path"] == query + "/close" and r["status"] == 204 for r in wx.log()["requests"])
    assert len(o["payments"]) == 2 and {p["reference"] for p in o["payments"]} == {pw["reference"], pa["reference"]}
    shop.close()
    c.close()
    ledger_clean(server)


# ---- WeChat Pay: bad input ----

def craft_wechatpay(resource, signer=None, event="TRANSACTION.SUCCESS", original="transaction", mutate=None,
                    tampered=False, headers_patch=None):
    sim = signer or wechatpay_signer()
    body = sim.envelope(event, original, resource)
    if mutate:
        body = mutate(body)
    headers = sim.signed_headers(body, tampered)
    headers["Content-Type"] = "application/json"
    headers.update(headers_patch or {})
    return headers, body


def transaction(ref, total=8800, mchid=MCHID, appid="wxd678efh567hg6787"):
    return {"appid": appid, "mchid": mchid, "out_trade_no": ref, "transaction_id": "4200000000000000000000000001",
            "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
            "attach": "", "success_time": "2024-01-01T12:00:00+08:00", "payer": {"openid": "oSim"},
            "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}}


def swap_ciphertext_char(body):
    env = json.loads(body)
    c = env["resource"]["ciphertext"]
    env["resource"]["ciphertext"] = ("A" if c[5] != "A" else "B").join([c[:5], c[6:]])
    return json.dumps(env, ensure_ascii=False, separators=(",", ":")).encode()


WECHATPAY_BAD = [
    ("wrong signature", lambda ref: craft_wechatpay(transaction(ref), tampered=True), 401, "bad_signature"),
    ("stale timestamp", lambda ref: craft_wechatpay(
        transaction(ref), signer=wechatpay_signer("--now", str(int(time.time()) - 301))), 401, "stale_timestamp"),
    ("unknown serial", lambda ref: craft_wechatpay(
        transaction(ref), signer=wechatpay_signer("--platform-serial", "1234567890ABCDEF")), 401, "unknown_serial"),
    ("missing header", lambda ref: craft_wechatpay(transaction(ref), headers_patch={"Wechatpay-Nonce": ""}), 401,
     "missing_header"),
    ("tampered ciphertext", lambda ref: craft_wechatpay(transaction(ref), mutate=swap_ciphertext_char), 400,
     "decrypt_failed"),
    ("unknown out_trade_no", lambda ref: craft_wechatpay(transaction("HPUNKNOWN000000000")), 400, "unknown_order"),
    ("amount mismatch", lambda ref: craft_wechatpay(transaction(ref, total=1)), 400, "amount_mismatch"),
    ("merchant mismatch", lambda ref: craft_wechatpay(transaction(ref, mchid="1900000001")), 400,
     "merchant_mismatch"),
    ("malformed JSON", lambda ref: craft_wechatpay(transaction(ref), mutate=lambda b: b[:-1]), 400, "malformed"),
]


@pytest.mark.parametrize("name,make,status,reason", WECHATPAY_BAD, ids=[b[0] for b in WECHATPAY_BAD])
def test_wechatpay_bad_notifications(server, sims, shop, name, make, status, reason):
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    headers, body = make(p["reference"])
    code, answer = post_notification(server, "wechatpay", shop.merchant_id, headers, body)
    assert code == status and json.loads(answer) == FAIL_JSON, (code, answer)
    o = shop.get(order)
    assert o["state"] == "pending_payment" and payment_of(o, p["reference"])["status"] == "pending"
    assert reason in server.log()
    # The genuine notification still works afterwards.
    headers, body = craft_wechatpay(transaction(p["reference"]))
    assert post_notification(server, "wechatpay", shop.merchant_id, headers, body)[0] == 204
    shop.wait_state(order, "paid")


def test_wechatpay_notification_for_another_merchant(server, sims, shop):
    order = shop.order()
    p = shop.pay(order, "wechatpay")
    other_id, other_key = server.new_merchant("Other")
    c = server.client(other_key)
    assert c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config(sims[0])).status == 200
    c.close()
    headers, body = craft_wechatpay(transaction(p["reference"]))
    code, answer = post_notification(server, "wechatpay", other_id, headers, body)
    assert code == 400 and "merchant_mismatch" in server.log()
    assert post_notification(server, "wechatpay", 999999, headers, body)[0] == 400  # no such merchant's keys
    assert shop.get(order)["state"] == "pending_payment"


# ---- Alipay ----

def test_alipay_wap_loop(server, sims, shop):
    _, ali = sims
    order = shop.order()
    p = shop.pay(order, "alipay", ua=UA_IPHONE)
    assert p["status"] == "pending"
    url = urllib.parse.urlsplit(p["pay_url"])
    assert p["pay_url"].startswith(ali.url + "/gateway.do?")
    params = dict(urllib.parse.parse_qsl(url.query))
    assert params["method"] == "alipay.trade.wap.pay" and params["sign_type"] == "RSA2"
    assert params["notify_url"].endswith(f"/notify/alipay/{shop.merchant_id}")
    assert json.loads(params["biz_content"])["total_amount"] == "88.00"
    # The buyer's browser opens the cashier (the simulator checks our RSA2 sign byte for byte).
    with urllib.request.urlopen(p["pay_url"], timeout=WAIT_S) as r:
        assert r.status == 200 and "收银台" in r.read().decode()
    ali.pay(p["reference"])
    shop.wait_state(order, "paid")
    done = shop.ship_and_confirm(order)
    assert done["released_minor"] == 8800
    assert [d["ack"] for d in ali.deliveries(lambda d: d["url"].endswith(f"/{shop.merchant_id}"))] == ["success"]


def test_alipay_precreate_qr_on_desktop(server, sims, shop):
    _, ali = sims
    order = shop.order()
    p = shop.pay(order, "alipay", ua=UA_DESKTOP)
    assert p["pay_url"].endswith("/pay/alipay/" + p["reference"])
    kind, data = server.execute("SELECT kind, data FROM payment_pages WHERE reference = ?", p["reference"])[0]
    assert kind == "qr" and data.startswith("https://qr.alipay.com/")
    ali.pay(p["reference"])
    shop.wait_state(order, "paid")


def test_alipay_partial_refunds(server, sims, shop):
    _, ali = sims
    order = shop.order(quantity=3)
    p = shop.pay(order, "alipay", ua=UA_ALIPAY)
    urllib.request.urlopen(p["pay_url"], timeout=WAIT_S).read()
    ali.pay(p["reference"])
    shop.wait_state(order, "paid")
    assert shop.c.post(f"/v1/orders/{order['id']}/refunds", {"amount_minor": 1000}).status == 200
    shop.wait_refund(order)
    assert shop.c.post(f"/v1/orders/{order['id']}/refunds", {}).status == 200
    o = shop.wait_refund(order, count=2)
    assert o["state"] == "refunded" and o["refunded_minor"] == 26400
    # Each refund was acknowledged "success" in its trade_status_sync notification too.
    wait_for("two refund notifications", lambda: len(ali.deliveries(
        lambda d: d["url"].endswith(f"/{shop.merchant_id}") and d["accepted"])) >= 3)


def test_alipay_late_twice_failed_first_and_out_of_order(server, sims, shop):
    _, ali = sims
    order = shop.order()
    p = shop.pay(order, "alipay", ua=UA_IPHONE)
    urllib.request.urlopen(p["pay_url"], timeout=WAIT_S).read()
    start = len(ali.deliveries())
    # TRADE_SUCCESS then TRADE_FINISHED, held and delivered in reverse; the first delivery of
    # each is tampered (the merchant must answer "fail"), and each comes twice.
    ali.pay(p["reference"], result="TRADE_SUCCESS", hold=True, times=2, fail_first=True)
    ali.pay(p["reference"], result="TRADE_FINISHED", hold=True, times=2, fail_first=True)
    assert ali.control("/_sim/flush", {"order": "reverse"})["flushed"] == 2
    shop.wait_state(order, "paid")
    wait_for("all deliveries", lambda: len([d for d in ali.deliveries()[start:] if d["accepted"]]) >= 4)
    mine = ali.deliveries()[start:]
    assert all(d["ack"] == "fail" for d in mine if d["tampered"])
    assert all(d["ack"] == "success" for d in mine if not d["tampered"])
    assert shop.get(order)["paid_minor"] == 8800


def test_alipay_precreate_timeout_then_reconciliation(server, sims, shop, clock):
    _, ali = sims
    order = shop.order()
    ali.control("/_sim/timeout", {"path": "/gateway.do", "count": 1, "delay_ms": HANG_MS, "apply": True})
    p = shop.pay(order, "alipay", ua=UA_DESKTOP)
    assert p["status"] == "unknown"
    ali.pay(p["reference"], hold=True)
    clock.advance(130_000)
    jobs(server)
    shop.wait_state(order, "paid")
    ali.control("/_sim/flush", {})


def test_alipay_refund_timeout_is_retried_once(server, sims, shop):
    _, ali = sims
    order = shop.order()
    p = shop.pay(order, "alipay", ua=UA_IPHONE)
    urllib.request.urlopen(p["pay_url"], timeout=WAIT_S).read()
    ali.pay(p["reference"])
    shop.wait_state(order, "paid")
    ali.control("/_sim/timeout", {"path": "/gateway.do", "count": 1, "delay_ms": HANG_MS, "apply": True})
    assert shop.c.post(f"/v1/orders/{order['id']}/refunds", {}).status == 200
    o = shop.wait_refund(order)
    assert o["state"] == "refunded" and o["refunded_minor"] == 8800


# ---- Alipay: bad input ----

def alipay_form(ref, total_fen=8800, signer_args=(), tamper=False, extra=None, status="TRADE_SUCCESS"):
    sim = alipay_signer(*signer_args)
    o = {"out_trade_no": ref, "total": total_fen, "subject": "hutong order", "status": status, "notify_url": "",
         "refunded": 0, "trade_no": "2024010122001400000000000001", "gmt_create": "2024-01-01 12:00:00",
         "gmt_payment": "2024-01-01 12:00:05"}
    body = sim.notification_form(o, tampered=tamper)
    if extra:
        body = extra(body)
    return {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body


ALIPAY_BAD = [
    ("wrong signature", lambda ref: alipay_form(ref, tamper=True), "bad_signature"),
    ("signed by another key", lambda ref: alipay_form(
        ref, signer_args=("--platform-key", os.path.join(KEYS, "alipay_app_key.pem"))), "bad_signature"),
    ("unknown out_trade_no", lambda ref: alipay_form("HPUNKNOWN000000000"), "unknown_order"),
    ("amount mismatch", lambda ref: alipay_form(ref, total_fen=1), "amount_mismatch"),
    ("app_id mismatch", lambda ref: alipay_form(ref, signer_args=("--app-id", "2021000000000000")),
     "merchant_mismatch"),
    ("seller_id mismatch", lambda ref: alipay_form(ref, signer_args=("--seller-id", "2088000000000000")),
     "merchant_mismatch"),
    ("malformed form", lambda ref: alipay_form(ref, extra=lambda b: b + b"&&"), "malformed"),
    ("bad sign_type", lambda ref: alipay_form(ref, extra=lambda b: b.replace(b"sign_type=RSA2", b"sign_type=RSA")),
     "bad_sign_type"),
]


@pytest.mark.parametrize("name,make,reason", ALIPAY_BAD, ids=[b[0] for b in ALIPAY_BAD])
def test_alipay_bad_notifications(server, sims, shop, name, make, reason):
    order = shop.order()
    p = shop.pay(order, "alipay", ua=UA_IPHONE)
    headers, body = make(p["reference"])
    code, answer = post_notification(server, "alipay", shop.merchant_id, headers, body)
    assert (code, answer) == (200, "fail")
    o = shop.get(order)
    assert o["state"] == "pending_payment" and payment_of(o, p["reference"])["status"] == "pending"
    assert reason in server.log()
    headers, body = alipay_form(p["reference"])
    assert post_notification(server, "alipay", shop.merchant_id, headers, body) == (200, "success")
    shop.wait_state(order, "paid")


def test_nothing_secret_in_the_logs(server, sims):
    log = server.log()
    for secret in ("PRIVATE KEY", "hutongTestAPIv3Key0123456789abcd"):
        assert secret not in log
