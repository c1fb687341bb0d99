"""Helpers for the wallet tests: the WeChat Pay and Alipay simulators (tests/sim) as
subprocesses, a merchant whose channels point at them, orders to pay, bounded waits, and
notifications crafted with the simulators' own signing code for the bad-input tests.

The simulators run on Debian's /usr/bin/python3 (python3-cryptography), like `make test`'s
own simulator suite; every process started here is stopped by the fixture that started it.
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT

SIM_DIR = os.path.join(ROOT, "tests", "sim")
KEYS = os.path.join(ROOT, "tests", "data", "keys")
sys.path.insert(0, SIM_DIR)
import alipay_sim  # noqa: E402
import wechatpay_sim  # noqa: E402

# Every wait here is bounded by this.
WAIT_S = 15
# Our calls to the simulators give up after this long (the channels' timeout_ms): generous, since
# the machine running the tests may be busy, yet short enough to keep the time-out tests quick.
CHANNEL_TIMEOUT_MS = 2500
# A simulated hang: longer than CHANNEL_TIMEOUT_MS.
HANG_MS = 5000

MCHID, APPID = "1230000109", "wxd678efh567hg6787"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD3E6F2BC3"
APIV3_KEY = "hutongTestAPIv3Key0123456789abcd"
APP_ID, SELLER_ID = "2021000122671080", "2088102147948060"

UA_WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
UA_ALIPAY = ("Mozilla/5.0 (Linux; U; Android 13; zh-CN; V2183A Build/TP1A.220624.014) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.63 Mobile Safari/537.36 "
             "AlipayClient/10.5.36.8100 Language/zh-Hans useStatusBar/true")
UA_TAOBAO = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 AliApp(TB/10.38.0) WindVane/8.7.2 1170x2532 WK")
UA_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.4 Mobile/15E148 Safari/604.1")
UA_DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36")
UA_DOUYIN = ("Mozilla/5.0 (Linux; Android 12; PFEM10 Build/SKQ1.211019.001; wv) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/96.0.4664.104 Mobile Safari/537.36 aweme_230400 JsSdk/1.0 "
             "NetType/WIFI Channel/douyin_tengxun_wzl_1108 AppName/aweme app_version/23.4.0")


def key(name):
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


class Sim:
    """One simulator process: `name` is "wechatpay" or "alipay"."""

    def __init__(self, name, *args):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SIM_DIR, f"{name}_sim.py"), "--port", "0",
                                      *args], stdout=subprocess.PIPE, text=True)
        self.url = "http://127.0.0.1:%d" % int(self.proc.stdout.readline())

    def control(self, path, body=None):
        data = json.dumps(body or {}).encode()
        req = urllib.request.Request(self.url + path, data=data if body is not None else None,
                                     method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return json.loads(r.read())

    def pay(self, out_trade_no, **kw):
        return self.control("/_sim/pay", dict(kw, out_trade_no=out_trade_no))

    def log(self):
        return self.control("/_sim/log")

    def deliveries(self, predicate=lambda d: True):
        return [d for d in self.log()["deliveries"] if predicate(d)]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def sims():
    """A WeChat Pay and an Alipay simulator for the module: (wechatpay, alipay)."""
    wx, ali = Sim("wechatpay"), Sim("alipay")
    yield wx, ali
    wx.stop()
    ali.stop()


def wechatpay_config(sim, **extra):
    c = {"mchid": MCHID, "appid": APPID, "merchant_serial": MERCHANT_SERIAL,
         "merchant_private_key": key("wechatpay_merchant_key.pem"), "apiv3_key": APIV3_KEY,
         "platform_certificates": [key("wechatpay_platform_cert.pem")], "base_url": sim.url,
         "oauth_url": sim.url, "sns_url": sim.url, "timeout_ms": CHANNEL_TIMEOUT_MS}
    c.update(extra)
    return c


def alipay_config(sim, **extra):
    c = {"app_id": APP_ID, "seller_id": SELLER_ID, "app_private_key": key("alipay_app_key.pem"),
         "alipay_public_key": key("alipay_platform_pub.pem"), "gateway_url": sim.url + "/gateway.do",
         "timeout_ms": CHANNEL_TIMEOUT_MS}
    c.update(extra)
    return c


def wait_for(what, probe, timeout_s=WAIT_S, interval_s=0.05):
    """Calls probe() until it returns something truthy; fails after timeout_s."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Shop:
    """A merchant with a product and its client; places and pays orders."""

    def __init__(self, server, client, merchant_id, price_minor=8800, delivery="virtual"):
        self.server, self.c, self.merchant_id = server, client, merchant_id
        self.buyer = server.client()
        r = client.post("/v1/products", {"title": "测试商品 test item", "price_minor": price_minor, "stock": 1000,
                                         "delivery": delivery})
        assert r.status == 201, r
        self.product = r.json

    def order(self, quantity=1):
        r = self.buyer.post("/v1/orders", {"items": [{"product_code": self.product["code"], "quantity": quantity}],
                                           "buyer": {"name": "张三", "phone": "13800000000"},
                                           "shipping_address": "北京市东城区 1 号"})
        assert r.status == 201, r
        return r.json

    def pay(self, order, channel, ua=UA_DESKTOP, expect=201, **body):
        r = self.buyer.post(f"/v1/buyer/orders/{order['token']}/payments", dict(body, channel=channel),
                            headers={"User-Agent": ua})
        assert r.status == expect, r
        return r.json

    def get(self, order):
        r = self.buyer.get(f"/v1/buyer/orders/{order['token']}")
        assert r.status == 200, r
        return r.json

    def wait_state(self, order, state):
        return wait_for(f"order {order['id']} {state}",
                        lambda: (lambda o: o if o["state"] == state else None)(self.get(order)))

    def wait_refund(self, order, status="succeeded", count=1):
        def probe():
            o = self.get(order)
            done = [r for r in o["refunds"] if r["status"] == status]
            return o if len(done) >= count else None
        return wait_for(f"{count} refund(s) {status} on order {order['id']}", probe)

    def ship_and_confirm(self, order):
        r = self.c.post(f"/v1/orders/{order['id']}/ship", {"carrier": "顺丰", "tracking_number": "SF1234567890"})
        assert r.status == 200 and r.json["state"] == "shipped", r
        r = self.buyer.post(f"/v1/buyer/orders/{order['token']}/confirm")
        assert r.status == 200 and r.json["state"] == "completed", r
        return r.json

    def balance(self):
        r = self.c.get("/v1/balance")
        assert r.status == 200, r
        return r.json

    def close(self):
        self.buyer.close()


def ledger_clean(server):
    r = server.cli("ledger", "verify", check=False)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()


def post_notification(server, channel, merchant_id, headers, body):
    """POSTs a crafted notification; returns (status, body text)."""
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}/notify/{channel}/{merchant_id}", data=body,
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wechatpay_signer(*args):
    """A simulator object (not a process) that signs and encrypts like WeChat Pay."""
    return wechatpay_sim.WechatPaySim(wechatpay_sim.parse_args(list(args)))


def alipay_signer(*args):
    return alipay_sim.AlipaySim(alipay_sim.parse_args(list(args)))
