#!/usr/bin/env python3
"""bench/cluster_driver.py — the load bench/cluster.sh needs beyond wrk (stdlib only).

  seed URL KEY LINKS           creates LINKS campaign links and one product with ample stock
                               through the API; prints "product CODE" then one link code a line
  pay-loop URL KEY MERCHANT_ID PRODUCT_CODE SECRET SECONDS WORKERS
                               runs the pay loop for SECONDS with WORKERS concurrent buyers and
                               prints one line: loops/s, p50 and p99 of a loop in ms, failed
                               loops (which step failed how goes to stderr)

One pay loop is what a buyer and a merchant do for one order, five requests, each its own
write transaction (the payment start is two):
  POST /v1/orders                               the buyer places it (stock reserved)
  POST /v1/buyer/orders/{token}/payments        starts a sandbox payment
  POST /notify/sandbox/{merchant}               the wallet's signed notification: paid, escrow
  POST /v1/orders/{id}/ship                     the merchant ships
  POST /v1/buyer/orders/{token}/confirm         the buyer confirms: escrow released
The notification is signed as src/pay/sandbox.h publishes: key = HMAC-SHA256(secret,
"hutong-sandbox-notify"), signature = hex(HMAC-SHA256(key, ts "\\n" nonce "\\n" body "\\n")).
"""
import hashlib
import hmac
import http.client
import json
import secrets
import sys
import threading
import time
import urllib.parse

REQUEST_TIMEOUT_S = 30
PRICE_MINOR = 1999
# Units on sale: more than any run sells.
STOCK = 10_000_000


class Conn:
    """A keep-alive connection to one base URL, reopened after an error."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def post(self, path, body, headers=None, raw=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            self.conn.request("POST", path, body=data, headers=h)
            r = self.conn.getresponse()
            payload = r.read()
            if (r.getheader("Connection") or "").lower() == "close":
                self.close()
            return r.status, payload
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def seed(base, key, links):
    c = Conn(base)
    auth = {"Authorization": f"Bearer {key}"}
    status, body = c.post("/v1/products", {"title": "压测 bench item", "price_minor": PRICE_MINOR, "stock": STOCK,
                                           "delivery": "virtual"}, auth)
    if status != 201:
        sys.exit(f"seed: product: {status} {body[:200]!r}")
    print("product", json.loads(body)["code"])
    for i in range(links):
        status, body = c.post("/v1/links", {"target_url": f"https://shop.example.com/campaign/{i}"}, auth)
        if status != 201:
            sys.exit(f"seed: link {i}: {status} {body[:200]!r}")
        print(json.loads(body)["code"])
    c.close()


class Loop:
    def __init__(self, base, key, merchant_id, product_code, secret):
        self.base, self.key, self.merchant_id, self.product_code = base, key, merchant_id, product_code
        self.notify_key = hmac.new(secret.encode(), b"hutong-sandbox-notify", hashlib.sha256).digest()

    def notification(self, reference):
        body = json.dumps({"id": "b-" + secrets.token_hex(8), "type": "payment", "out_trade_no": reference,
                           "status": "SUCCESS", "amount": PRICE_MINOR, "currency": "CNY"}).encode()
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = hmac.new(self.notify_key, f"{ts}\n{nonce}\n".encode() + body + b"\n", hashlib.sha256).hexdigest()
        return body, {"X-Sandbox-Timestamp": ts, "X-Sandbox-Nonce": nonce, "X-Sandbox-Signature": signature}

    def once(self, buyer, merchant):
        """One loop; None when every step answered as expected, else "step status"."""
        status, body = buyer.post("/v1/orders", {"items": [{"product_code": self.product_code, "quantity": 1}],
                                                 "buyer": {"name": "张三", "phone": "13800000000"}})
        if status != 201:
            return f"order {status}"
        order = json.loads(body)
        status, body = buyer.post(f"/v1/buyer/orders/{order['token']}/payments", {"channel": "sandbox"})
        if status != 201:
            return f"payment {status}"
        raw, headers = self.notification(json.loads(body)["reference"])
        status, _ = buyer.post(f"/notify/sandbox/{self.merchant_id}", None, headers, raw=raw)
        if status != 200:
            return f"notify {status}"
        auth = {"Authorization": f"Bearer {self.key}"}
        status, _ = merchant.post(f"/v1/orders/{order['id']}/ship", {"carrier": "bench"}, auth)
        if status != 200:
            return f"ship {status}"
        status, _ = buyer.post(f"/v1/buyer/orders/{order['token']}/confirm", {})
        return None if status == 200 else f"confirm {status}"


def pay_loop(base, key, merchant_id, product_code, secret, seconds, workers):
    loop = Loop(base, key, int(merchant_id), product_code, secret)
    latencies, errors, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + seconds

    def work():
        buyer, merchant = Conn(base), Conn(base)
        mine, failed = [], {}
        while time.monotonic() < deadline:
            start = time.monotonic()
            problem = loop.once(buyer, merchant)
            if problem is None:
                mine.append(time.monotonic() - start)
            else:
                failed[problem] = failed.get(problem, 0) + 1
        buyer.close()
        merchant.close()
        with lock:
            latencies.extend(mine)
            for problem, n in failed.items():
                errors[problem] = errors.get(problem, 0) + n

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    if errors:
        print("pay loop: failed steps (status 0: no answer): " + ", ".join(f"{k} ×{n}" for k, n in sorted(errors.items())),
              file=sys.stderr)
    print(f"{len(latencies) / elapsed:.1f} {pct(0.50):.1f} {pct(0.99):.1f} {sum(errors.values())}")


def main(argv):
    if len(argv) == 4 and argv[0] == "seed":
        return seed(argv[1], argv[2], int(argv[3]))
    if len(argv) == 8 and argv[0] == "pay-loop":
        return pay_loop(argv[1], argv[2], argv[3], argv[4], argv[5], float(argv[6]), int(argv[7]))
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
