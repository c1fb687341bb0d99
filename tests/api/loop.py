"""Helpers for the transaction-loop tests (test_loop*.py): a shop with products, buyers who
order and pay through the sandbox wallet, hand-signed sandbox notifications, the test hooks
(clock, jobs, wallet faults), and `hutong ledger verify` after every test.

The sandbox wallet's protocol is published in src/pay/sandbox.h; the notification key is
HMAC-SHA256(HUTONG_SECRET, "hutong-sandbox-notify"), computed here from the secret the test
server runs with, exactly as an outside wallet would.
"""
import hashlib
import hmac
import json
import os
import time
import uuid

import pytest

# Bounded waits: a state the server should reach within this time, polled every POLL_S.
WAIT_S = 15
POLL_S = 0.05

# The largest amount (src/core/money.h AMOUNT_MINOR_MAX).
AMOUNT_MAX = 10**15

MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x18002831) NetType/WIFI")
ALIPAY_UA = ("Mozilla/5.0 (Linux; Android 12; SM-G9910) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/89.0.4389.72 Mobile Safari/537.36 AlipayClient/10.3.30.8000")


def sandbox_key(server):
    secret = server.env["HUTONG_SECRET"].encode()
    return hmac.new(secret, b"hutong-sandbox-notify", hashlib.sha256).digest()


def signed_notification(server, body, ts_s=None, nonce=None, key=None):
    """The raw body and headers of a sandbox notification signed as the wallet signs it."""
    raw = json.dumps(body, separators=(",", ":")).encode() if isinstance(body, dict) else body
    ts = str(ts_s if ts_s is not None else server_now_ms(server) // 1000)
    nonce = nonce or uuid.uuid4().hex
    message = ts.encode() + b"\n" + nonce.encode() + b"\n" + raw + b"\n"
    signature = hmac.new(key or sandbox_key(server), message, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Sandbox-Timestamp": ts, "X-Sandbox-Nonce": nonce,
               "X-Sandbox-Signature": signature}
    return raw, headers


def server_now_ms(server):
    c = server.client()
    try:
        return c.post("/_test/clock", {"advance_ms": 0}).json["now_ms"]
    finally:
        c.close()


def ledger_verify(server):
    """Runs `hutong ledger verify`; returns (exit status, output)."""
    r = server.cli("ledger", "verify", check=False)
    return r.returncode, r.stdout.decode() + r.stderr.decode()


def assert_ledger_clean(server):
    status, out = ledger_verify(server)
    assert status == 0 and out.startswith("ok:"), out


@pytest.fixture(autouse=True)
def ledger_clean(server):
    """Every test of a loop module leaves a ledger that `hutong ledger verify` accepts."""
    yield
    assert_ledger_clean(server)


def kill(server):
    """SIGKILLs the server process and waits for it, keeping its database (Server.stop() drops a
    PostgreSQL test database once the process is gone); server.start() starts it again."""
    server.proc.kill()
    server.proc.wait(timeout=20)
    server.stderr.close()


def count_rows(server, sql, *params):
    return int(server.execute(sql, *params)[0][0])


def ledger_size(server, merchant_id=None):
    """(transactions, entries), of one merchant's postings or of all: what a refused request
    must leave unchanged. (The scheduler settles other tests' refunds and payouts meanwhile, so
    a test that runs while they may still be pending counts its own merchant's postings.)"""
    where, params = ("WHERE t.merchant_id = ?", (merchant_id,)) if merchant_id else ("", ())
    return (count_rows(server, f"SELECT count(*) FROM ledger_transactions t {where}", *params),
            count_rows(server, f"SELECT count(*) FROM ledger_entries e JOIN ledger_transactions t"
                               f" ON t.id = e.txn_id {where}", *params))


class Shop:
    """One merchant with its API client, an anonymous buyer client, and the test hooks."""

    def __init__(self, server, merchant_client, merchant_id):
        self.server = server
        self.m = merchant_client
        self.merchant_id = merchant_id
        self.buyer = server.client()

    def close(self):
        self.buyer.close()

    # ---- catalog ----

    def product(self, price_minor=1000, stock=10, delivery="physical", currency="CNY", title="Tea"):
        r = self.m.post("/v1/products", {"title": title, "price_minor": price_minor, "stock": stock,
                                         "delivery": delivery, "currency": currency})
        assert r.status == 201, r
        return r.json

    def stock(self, product):
        return self.m.get(f"/v1/products/{product['id']}").json["stock"]

    # ---- buyer ----

    def order_body(self, product, quantity=1, **extra):
        body = {"items": [{"product_code": product["code"], "quantity": quantity}],
                "buyer": {"name": "李雷", "phone": "+86 138-0013-8000"},
                "shipping_address": "北京市东城区东四胡同 1 号"}
        body.update(extra)
        return body

    def place(self, product, quantity=1, ua=None, client=None, **extra):
        headers = {"User-Agent": ua} if ua else None
        r = (client or self.buyer).post("/v1/orders", self.order_body(product, quantity, **extra),
                                        headers=headers)
        assert r.status == 201, r
        return r.json

    def order(self, token):
        r = self.buyer.get(f"/v1/buyer/orders/{token}")
        assert r.status == 200, r
        return r.json

    def merchant_order(self, order_id):
        r = self.m.get(f"/v1/orders/{order_id}")
        assert r.status == 200, r
        return r.json

    def start_payment(self, token, client=None):
        r = (client or self.buyer).post(f"/v1/buyer/orders/{token}/payments", {"channel": "sandbox"})
        assert r.status == 201, r
        return r.json

    def trade_no(self, payment):
        """The wallet's trade number of a payment attempt (from its pay URL, or the wallet's own
        table when our call timed out and we never learned it)."""
        if payment.get("pay_url"):
            return payment["pay_url"].rsplit("/", 1)[1]
        rows = self.server.execute("SELECT trade_no FROM sandbox_trades WHERE out_trade_no = ?",
                                   payment["reference"])
        return rows[0][0]

    def wallet(self, payment, decision="approve", client=None):
        """The buyer's decision on the sandbox wallet's page (a form post, as the browser sends)."""
        r = (client or self.buyer).request(
            "POST", f"/pay/sandbox/{self.trade_no(payment)}", raw=f"decision={decision}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 303, r
        return r

    def pay(self, order, wait=True):
        """Pays `order` through the sandbox wallet and (by default) waits until it is paid."""
        payment = self.start_payment(order["token"])
        self.wallet(payment)
        if wait:
            self.jobs()
            return self.wait_state(order["token"], "paid")
        return payment

    def paid_order(self, product=None, quantity=1, **kw):
        order = self.place(product or self.product(), quantity, **kw)
        return self.pay(order)

    def shipped_order(self, product=None, quantity=1, **kw):
        order = self.paid_order(product, quantity, **kw)
        return self.ship(order)

    def confirm(self, order):
        return self.buyer.post(f"/v1/buyer/orders/{order['token']}/confirm")

    def refund_request(self, order, amount_minor=None, reason=None):
        body = {}
        if amount_minor is not None:
            body["amount_minor"] = amount_minor
        if reason is not None:
            body["reason"] = reason
        return self.buyer.post(f"/v1/buyer/orders/{order['token']}/refund-request", body)

    def withdraw(self, order):
        return self.buyer.post(f"/v1/buyer/orders/{order['token']}/refund-request/withdraw")

    def buyer_dispute(self, order):
        return self.buyer.post(f"/v1/buyer/orders/{order['token']}/dispute")

    # ---- merchant ----

    def ship(self, order, carrier="SF Express", tracking="SF1234567890", expect=200):
        body = {"carrier": carrier}
        if tracking is not None:
            body["tracking_number"] = tracking
        r = self.m.post(f"/v1/orders/{order['id']}/ship", body)
        assert r.status == expect, r
        return {**order, **r.json} if expect == 200 else r

    def refund(self, order, amount_minor=None):
        body = {} if amount_minor is None else {"amount_minor": amount_minor}
        return self.m.post(f"/v1/orders/{order['id']}/refunds", body)

    def refuse(self, order):
        return self.m.post(f"/v1/orders/{order['id']}/refund-request/refuse")

    def cancel(self, order):
        return self.m.post(f"/v1/orders/{order['id']}/cancel")

    def balance(self, currency="CNY"):
        for b in self.m.get("/v1/balance").json["balances"]:
            if b["currency"] == currency:
                return b
        return {"currency": currency, "available_minor": 0, "escrow_minor": 0, "payouts_pending_minor": 0}

    def payouts(self):
        return self.m.get("/v1/payouts").json["data"]

    def earned(self, currency="CNY"):
        """What the merchant has been given so far: available + payouts pending + paid out (the
        daily batch may move money between these at any tick)."""
        b = self.balance(currency)
        paid = sum(p["amount_minor"] for p in self.payouts()
                   if p["status"] == "succeeded" and p["currency"] == currency)
        return b["available_minor"] + b["payouts_pending_minor"] + paid

    # ---- hooks ----

    def jobs(self):
        r = self.buyer.post("/_test/jobs")
        assert r.status == 200, r
        return r.json["handled"]

    def advance(self, ms):
        r = self.buyer.post("/_test/clock", {"advance_ms": ms})
        assert r.status == 200, r
        return r.json["now_ms"]

    def now_ms(self):
        return self.advance(0)

    def faults(self, **knobs):
        r = self.buyer.post("/_test/sandbox", knobs)
        assert r.status == 200, r

    def wait_state(self, token, *states):
        """Polls the order until its state is one of `states` (running the jobs meanwhile)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            o = self.order(token)
            if o["state"] in states:
                return o
            if time.monotonic() > deadline:
                raise AssertionError(f"order {o['id']} stayed {o['state']}, wanted {states}")
            self.jobs()
            time.sleep(POLL_S)

    def wait_refunds_settled(self, order):
        deadline = time.monotonic() + WAIT_S
        while True:
            o = self.merchant_order(order["id"])
            if o["refunds"] and all(r["status"] == "succeeded" for r in o["refunds"]):
                return o
            if time.monotonic() > deadline:
                raise AssertionError(f"refunds of order {o['id']} not settled: {o['refunds']}")
            self.jobs()
            time.sleep(POLL_S)


@pytest.fixture
def shop(server, merchant):
    c, merchant_id, _ = merchant
    s = Shop(server, c, merchant_id)
    yield s
    s.close()


def assert_error(r, status, code, field="__any__"):
    assert r.status == status, r
    assert r.header("Content-Type") == "application/json", r
    err = r.json["error"]
    assert err["code"] == code, r
    assert err["message"], r
    if field != "__any__":
        assert err.get("field") == field, r
    return err


def assert_invalid_state(r, state):
    """409 invalid_state, naming the order's current state."""
    err = assert_error(r, 409, "invalid_state")
    assert state in err["message"], r
    return err


def account_balance(server, kind, owner_id, currency="CNY"):
    rows = server.execute("SELECT balance_minor FROM ledger_balances WHERE account_kind = ? AND owner_id = ?"
                          " AND currency = ?", kind, owner_id, currency)
    return int(rows[0][0]) if rows else 0


def env_flag(name):
    return os.environ.get(name, "") not in ("", "0")
