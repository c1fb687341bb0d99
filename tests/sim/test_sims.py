"""test_sims.py — end-to-end checks of the wallet simulators over HTTP on 127.0.0.1.

Each simulator runs as a subprocess on a free port. The tests act as the merchant: they sign
requests with the test merchant keys (the same rules core/wechatpay.c and core/alipay.c
implement, which test_wechatpay/test_alipay cross-check against these simulators), verify the
signed answers, and run a small notification receiver to see deliveries arrive late, twice,
out of order, after a refused first attempt, and to watch a timed-out call still take effect.

Run with Debian's Python: /usr/bin/python3 -m pytest -q tests/sim
"""

import base64
import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "..", "data", "keys")
MCHID, MERCHANT_SERIAL = "1230000109", "3775B6A45ACD588826D15E583A95F5DD3E6F2BC3"
APIV3_KEY = b"hutongTestAPIv3Key0123456789abcd"
APP_ID, SELLER_ID = "2021000122671080", "2088102147948060"
# Every wait in these tests is bounded by this.
WAIT_S = 10


def load_private(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def load_public(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        data = f.read()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def rsa_sign(key, data):
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key, data, sig):
    try:
        key.verify(base64.b64decode(sig), data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except Exception:
        return False


def start(script):
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, script), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, "http://127.0.0.1:%d" % port


def http(method, url, body=b"", headers=None, timeout=WAIT_S):
    req = urllib.request.Request(url, data=body if method == "POST" else None, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def control(base, path, args):
    status, _, body = http("POST", base + path, json.dumps(args).encode(), {"Content-Type": "application/json"})
    assert status == 200, body
    return json.loads(body)


def deliveries(base, count):
    """The simulator's delivery log once it holds `count` entries (bounded wait)."""
    deadline = time.time() + WAIT_S
    while True:
        log = json.loads(http("GET", base + "/_sim/log")[2])["deliveries"]
        if len(log) >= count or time.time() > deadline:
            return log
        time.sleep(0.05)


class Receiver:
    """A merchant notify endpoint: records each delivery and answers from a script."""

    def __init__(self, answer):
        self.got = queue.Queue()
        self.answer = answer  # function(headers, body) -> (status, body bytes)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = outer.answer(dict(self.headers), body)
                outer.got.put((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/notify" % self.server.server_address[1]

    def next(self):
        return self.got.get(timeout=WAIT_S)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- WeChat Pay


@pytest.fixture
def wechat():
    proc, base = start("wechatpay_sim.py")
    yield base
    proc.terminate()
    proc.wait(timeout=WAIT_S)


MERCHANT_KEY = load_private("wechatpay_merchant_key.pem")
PLATFORM_PUB = load_public("wechatpay_platform_cert.pem")


def wx_call(base, method, path, obj=None, key=MERCHANT_KEY, timeout=WAIT_S):
    body = json.dumps(obj, ensure_ascii=False).encode() if obj is not None else b""
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    sig = rsa_sign(key, b"%s\n%s\n%s\n%s\n%s\n" % (method.encode(), path.encode(), ts.encode(), nonce.encode(), body))
    auth = 'WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"' % (
        MCHID, nonce, sig, ts, MERCHANT_SERIAL)
    status, headers, answer = http(method, base + path, body, {"Authorization": auth, "Content-Type": "application/json",
                                                               "Accept": "application/json"}, timeout)
    message = b"%s\n%s\n%s\n" % (headers["Wechatpay-Timestamp"].encode(), headers["Wechatpay-Nonce"].encode(), answer)
    assert rsa_verify(PLATFORM_PUB, message, headers["Wechatpay-Signature"]), "response signature"
    return status, json.loads(answer) if answer else None


def wx_order(base, receiver, no, jsapi=False):
    order = {"appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "测试商品", "out_trade_no": no,
             "notify_url": receiver.url, "amount": {"total": 8888, "currency": "CNY"}}
    if jsapi:
        order["payer"] = {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    return wx_call(base, "POST", "/v3/pay/transactions/" + ("jsapi" if jsapi else "native"), order)


def wx_open(headers, body):
    """Verifies and decrypts a notification like core/wechatpay.c; None when refused."""
    message = b"%s\n%s\n%s\n" % (headers["Wechatpay-Timestamp"].encode(), headers["Wechatpay-Nonce"].encode(), body)
    if not rsa_verify(PLATFORM_PUB, message, headers["Wechatpay-Signature"]):
        return None
    res = json.loads(body)["resource"]
    plain = AESGCM(APIV3_KEY).decrypt(res["nonce"].encode(), base64.b64decode(res["ciphertext"]),
                                      res["associated_data"].encode())
    return json.loads(body)["event_type"], json.loads(plain)


def wx_answer(headers, body):
    return (204, b"") if wx_open(headers, body) else (401, b'{"code":"FAIL","message":"\xe5\xa4\xb1\xe8\xb4\xa5"}')


def test_wechat_native_pay_notify_query_refund(wechat):
    rx = Receiver(wx_answer)
    try:
        status, answer = wx_order(wechat, rx, "T-native-1")
        assert status == 200 and answer["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
        status, t = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-native-1?mchid=" + MCHID)
        assert status == 200 and t["trade_state"] == "NOTPAY"
        control(wechat, "/_sim/pay", {"out_trade_no": "T-native-1"})
        headers, body, _ = rx.next()
        event, t = wx_open(headers, body)
        assert event == "TRANSACTION.SUCCESS" and t["trade_state"] == "SUCCESS" and t["amount"]["total"] == 8888
        refund = {"out_trade_no": "T-native-1", "out_refund_no": "R-1", "notify_url": rx.url,
                  "amount": {"refund": 8888, "total": 8888, "currency": "CNY"}}
        status, r1 = wx_call(wechat, "POST", "/v3/refund/domestic/refunds", refund)
        assert status == 200 and r1["status"] == "PROCESSING"
        status, r2 = wx_call(wechat, "POST", "/v3/refund/domestic/refunds", refund)  # idempotent
        assert r2["refund_id"] == r1["refund_id"]
        headers, body, _ = rx.next()
        event, r = wx_open(headers, body)
        assert event == "REFUND.SUCCESS" and r["refund_status"] == "SUCCESS" and r["out_refund_no"] == "R-1"
        status, r = wx_call(wechat, "GET", "/v3/refund/domestic/refunds/R-1")
        assert r["status"] == "SUCCESS"
        status, t = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-native-1?mchid=" + MCHID)
        assert t["trade_state"] == "REFUND"
        status, err = wx_call(wechat, "POST", "/v3/refund/domestic/refunds", dict(refund, out_refund_no="R-2"))
        assert status == 400 and err["code"] == "NOT_ENOUGH"
    finally:
        rx.close()


def test_wechat_rejects_bad_signature_and_unknown_orders(wechat):
    other = load_private("alipay_app_key.pem")
    status, err = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-x?mchid=" + MCHID, key=other)
    assert status == 401 and err["code"] == "SIGN_ERROR"
    status, err = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-missing?mchid=" + MCHID)
    assert status == 404 and err["code"] == "ORDER_NOT_EXIST"
    status, _, _ = http("POST", wechat + "/v3/pay/transactions/native", b"{}")
    assert status == 401


def test_wechat_jsapi_and_close(wechat):
    rx = Receiver(wx_answer)
    try:
        status, answer = wx_order(wechat, rx, "T-jsapi-1", jsapi=True)
        assert status == 200 and answer["prepay_id"].startswith("wx")
        status, body = wx_call(wechat, "POST", "/v3/pay/transactions/out-trade-no/T-jsapi-1/close", {"mchid": MCHID})
        assert status == 204 and body is None
        status, t = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-jsapi-1?mchid=" + MCHID)
        assert t["trade_state"] == "CLOSED"
    finally:
        rx.close()


def test_wechat_web_authorisation(wechat):
    """snsapi_base: authorize redirects back with a code; the code, once, buys an openid."""
    back = "http://127.0.0.1:9/PAY/ORDER?via=wechatpay"
    query = urllib.parse.urlencode({"appid": "wxd678efh567hg6787", "redirect_uri": back, "response_type": "code",
                                    "scope": "snsapi_base", "state": "s1"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(wechat + "/connect/oauth2/authorize?" + query, timeout=WAIT_S)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302
        location = e.headers["Location"]
    assert location.startswith(back + "&")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert q["state"] == "s1"
    token = "/sns/oauth2/access_token?appid=wxd678efh567hg6787&secret=hutongTestAppSecret0123456789abc&code=%s" \
            "&grant_type=authorization_code" % q["code"]
    status, _, body = http("GET", wechat + token)
    assert status == 200 and json.loads(body)["openid"].startswith("oSim")
    status, _, body = http("GET", wechat + token)  # a code works once
    assert json.loads(body)["errcode"] == 40029
    status, _, body = http("GET", wechat + token.replace("0123456789abc", "wrong"))
    assert json.loads(body)["errcode"] == 40029


def test_wechat_twice_late_fail_first(wechat):
    rx = Receiver(wx_answer)
    try:
        wx_order(wechat, rx, "T-twice-1")
        started = time.time()
        control(wechat, "/_sim/pay", {"out_trade_no": "T-twice-1", "times": 2, "delay_ms": 300, "fail_first": True})
        statuses = [rx.next()[2] for _ in range(3)]
        assert time.time() - started >= 0.3  # late
        assert statuses == [401, 204, 204]  # refused tampered first try, retry, then the duplicate
        assert [d["accepted"] for d in deliveries(wechat, 3)] == [False, True, True]
    finally:
        rx.close()


def test_wechat_out_of_order(wechat):
    rx = Receiver(wx_answer)
    try:
        for no in ("T-order-1", "T-order-2"):
            wx_order(wechat, rx, no)
            control(wechat, "/_sim/pay", {"out_trade_no": no, "hold": True})
        assert control(wechat, "/_sim/flush", {"order": "reverse"})["flushed"] == 2
        seen = [wx_open(*rx.next()[:2])[1]["out_trade_no"] for _ in range(2)]
        assert seen == ["T-order-2", "T-order-1"]
    finally:
        rx.close()


def test_wechat_timeout_still_applies(wechat):
    rx = Receiver(wx_answer)
    try:
        control(wechat, "/_sim/timeout", {"path": "/v3/pay/transactions/native", "delay_ms": 1500})
        with pytest.raises(OSError):  # the adapter's UNKNOWN path: no answer in time
            wx_order_timeout = {"appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "x",
                                "out_trade_no": "T-timeout-1", "notify_url": rx.url,
                                "amount": {"total": 1, "currency": "CNY"}}
            wx_call(wechat, "POST", "/v3/pay/transactions/native", wx_order_timeout, timeout=0.5)
        status, t = wx_call(wechat, "GET", "/v3/pay/transactions/out-trade-no/T-timeout-1?mchid=" + MCHID)
        assert status == 200 and t["trade_state"] == "NOTPAY"  # reconciliation finds it
    finally:
        rx.close()


# ---------------------------------------------------------------- Alipay


@pytest.fixture
def alipay():
    proc, base = start("alipay_sim.py")
    yield base
    proc.terminate()
    proc.wait(timeout=WAIT_S)


APP_KEY = load_private("alipay_app_key.pem")
ALIPAY_PUB = load_public("alipay_platform_pub.pem")


def ali_content(params, drop):
    return "&".join("%s=%s" % (k, params[k]) for k in sorted(params) if k not in drop and params[k] != "")


def ali_call(base, method, biz, notify_url="", key=APP_KEY, timeout=WAIT_S):
    params = {"app_id": APP_ID, "method": method, "format": "JSON", "charset": "utf-8", "sign_type": "RSA2",
              "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600)),
              "version": "1.0", "notify_url": notify_url, "biz_content": json.dumps(biz, ensure_ascii=False)}
    params["sign"] = rsa_sign(key, ali_content(params, ("sign",)).encode())
    status, _, raw = http("POST", base + "/gateway.do", urllib.parse.urlencode(params).encode(),
                          {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}, timeout)
    text = raw.decode()
    if method == "alipay.trade.wap.pay":
        return status, text
    key_name = method.replace(".", "_") + "_response"
    start_at = text.index('"%s":' % key_name) + len(key_name) + 3
    signed = text[start_at:text.rindex(',"sign":')]  # exact raw text, as core/alipay.c takes it
    assert rsa_verify(ALIPAY_PUB, signed.encode(), json.loads(text)["sign"]), "response signature"
    return status, json.loads(signed)


def ali_answer(headers, body):
    params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    ok = rsa_verify(ALIPAY_PUB, ali_content(params, ("sign", "sign_type")).encode(), params["sign"])
    return 200, b"success" if ok else b"fail"


def ali_order(base, rx, no):
    return ali_call(base, "alipay.trade.precreate", {"out_trade_no": no, "total_amount": "88.88", "subject": "小店"},
                    rx.url)


def test_alipay_precreate_pay_query_refund_close(alipay):
    rx = Receiver(ali_answer)
    try:
        status, r = ali_order(alipay, rx, "A-1")
        assert r["code"] == "10000" and r["qr_code"].startswith("https://qr.alipay.com/")
        _, r = ali_call(alipay, "alipay.trade.query", {"out_trade_no": "A-1"})
        assert r["sub_code"] == "ACQ.TRADE_NOT_EXIST"  # not scanned yet
        control(alipay, "/_sim/pay", {"out_trade_no": "A-1"})
        _, body, status = rx.next()
        params = dict(urllib.parse.parse_qsl(body.decode()))
        assert status == 200 and params["trade_status"] == "TRADE_SUCCESS" and params["total_amount"] == "88.88"
        assert params["app_id"] == APP_ID and params["seller_id"] == SELLER_ID
        _, r = ali_call(alipay, "alipay.trade.query", {"out_trade_no": "A-1"})
        assert r["trade_status"] == "TRADE_SUCCESS" and r["total_amount"] == "88.88"
        refund = {"out_trade_no": "A-1", "refund_amount": "88.88", "out_request_no": "RF-1"}
        _, r1 = ali_call(alipay, "alipay.trade.refund", refund)
        _, r2 = ali_call(alipay, "alipay.trade.refund", refund)  # idempotent on out_request_no
        assert (r1["fund_change"], r2["fund_change"], r2["refund_fee"]) == ("Y", "N", "88.88")
        params = dict(urllib.parse.parse_qsl(rx.next()[1].decode()))
        assert params["trade_status"] == "TRADE_CLOSED" and params["refund_fee"] == "88.88"
        _, r = ali_call(alipay, "alipay.trade.close", {"out_trade_no": "A-1"})
        assert r["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    finally:
        rx.close()


def test_alipay_rejects_bad_signature(alipay):
    other = load_private("wechatpay_merchant_key.pem")
    _, r = ali_call(alipay, "alipay.trade.query", {"out_trade_no": "A-x"}, key=other)
    assert r["code"] == "40002" and r["sub_code"] == "isv.invalid-signature"


def test_alipay_wap_pay_page(alipay):
    status, page = ali_call(alipay, "alipay.trade.wap.pay", {"out_trade_no": "A-wap", "total_amount": "0.01",
                                                             "subject": "x", "product_code": "QUICK_WAP_WAY"})
    assert status == 200 and "A-wap" in page
    _, r = ali_call(alipay, "alipay.trade.query", {"out_trade_no": "A-wap"})
    assert r["trade_status"] == "WAIT_BUYER_PAY"
    _, r = ali_call(alipay, "alipay.trade.close", {"out_trade_no": "A-wap"})
    assert r["code"] == "10000"


def test_alipay_retries_until_success_and_twice(alipay):
    answers = iter([(200, b"fail"), (200, b"success"), (200, b"success")])
    rx = Receiver(lambda h, b: next(answers))
    try:
        ali_order(alipay, rx, "A-retry")
        control(alipay, "/_sim/pay", {"out_trade_no": "A-retry", "times": 2})
        bodies = [rx.next()[1] for _ in range(3)]
        assert len(set(bodies)) >= 2  # retried delivery, then the duplicate
        assert [d["accepted"] for d in deliveries(alipay, 3)] == [False, True, True]
    finally:
        rx.close()


def test_alipay_fail_first_and_out_of_order(alipay):
    rx = Receiver(ali_answer)
    try:
        ali_order(alipay, rx, "A-ff")
        control(alipay, "/_sim/pay", {"out_trade_no": "A-ff", "fail_first": True})
        rx.next()
        rx.next()  # the retry, accepted
        assert [(d["tampered"], d["ack"]) for d in deliveries(alipay, 2)] == [(True, "fail"), (False, "success")]
        for no in ("A-o1", "A-o2"):
            ali_order(alipay, rx, no)
            control(alipay, "/_sim/pay", {"out_trade_no": no, "hold": True})
        control(alipay, "/_sim/flush", {"order": "reverse"})
        seen = [dict(urllib.parse.parse_qsl(rx.next()[1].decode()))["out_trade_no"] for _ in range(2)]
        assert seen == ["A-o2", "A-o1"]
    finally:
        rx.close()


def test_alipay_timeout_without_effect(alipay):
    rx = Receiver(ali_answer)
    try:
        control(alipay, "/_sim/timeout", {"path": "/gateway.do", "delay_ms": 1000, "apply": False})
        with pytest.raises(OSError):
            ali_order(alipay, rx, "A-lost")
        _, r = ali_call(alipay, "alipay.trade.query", {"out_trade_no": "A-lost"})
        assert r["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    finally:
        rx.close()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
