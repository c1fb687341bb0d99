#!/usr/bin/env python3
"""bench/ledger_seed.py — prepares and feeds bench/ledger.sh (Python standard library only).

  ledger_seed.py template PORT API_KEY           creates a product, places one order and starts
                                                 its sandbox payment through the API of the
                                                 server listening on 127.0.0.1:PORT
  ledger_seed.py clone DB_PATH N                 copies that order, its line, its payment attempt
                                                 and its wallet trade N-1 times in one SQLite
                                                 transaction (the server is stopped), taking the
                                                 stock; prints nothing
  ledger_seed.py notifications DB_PATH SECRET NOW_S OUT
                                                 writes one signed SUCCESS notification per pending
                                                 attempt, one per line: "ts nonce signature body"
  ledger_seed.py tokens DB_PATH OUT              writes the buyer token of every paid order
  ledger_seed.py ship DB_PATH NOW_MS             marks every paid order shipped, as the ship
                                                 endpoint would (no posting; the clock starts)

Cloning stands in for N calls of POST /v1/orders and POST .../payments: their cost is not what
the benchmark measures, and at one fsync per call it would take minutes. The clones are copies
of rows the server itself wrote, so `hutong ledger verify` checks the result afterwards.
"""
import hashlib
import hmac
import http.client
import json
import secrets
import sqlite3
import sys

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TEN_DAYS_MS = 10 * 24 * 3600 * 1000


def code(n):
    return "".join(secrets.choice(CROCKFORD) for _ in range(n))


def api(port, method, path, body=None, key=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = c.getresponse()
    data = json.loads(r.read() or b"null")
    c.close()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data}")
    return data


def template(port, key):
    p = api(port, "POST", "/v1/products", {"title": "Bench tea", "price_minor": 9999, "stock": 10**9}, key)
    o = api(port, "POST", "/v1/orders", {"items": [{"product_code": p["code"], "quantity": 1}],
                                         "buyer": {"name": "Bench", "phone": "13800138000"},
                                         "shipping_address": "Bench Road 1"})
    pay = api(port, "POST", f"/v1/buyer/orders/{o['token']}/payments", {"channel": "sandbox"})
    assert pay["status"] == "pending", pay


def rows(db, sql, *args):
    cur = db.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def insert(db, table, row):
    cols = ", ".join(row)
    db.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def clone(path, n):
    db = sqlite3.connect(path)
    with db:
        [order] = rows(db, "SELECT * FROM orders")
        [line] = rows(db, "SELECT * FROM order_lines WHERE order_id = ?", order["id"])
        [payment] = rows(db, "SELECT * FROM payments WHERE order_id = ?", order["id"])
        [trade] = rows(db, "SELECT * FROM sandbox_trades WHERE out_trade_no = ?", payment["out_trade_no"])
        for _ in range(n - 1):
            o = dict(order, id=None, token=code(16))
            cur = db.execute(f"INSERT INTO orders ({', '.join(o)}) VALUES ({', '.join('?' * len(o))})",
                             list(o.values()))
            order_id = cur.lastrowid
            insert(db, "order_lines", dict(line, order_id=order_id))
            ref = "HP" + code(16)
            insert(db, "payments", dict(payment, id=None, order_id=order_id, out_trade_no=ref,
                                        channel_trade_no=None))
            insert(db, "sandbox_trades", dict(trade, trade_no=code(16), out_trade_no=ref))
        db.execute("UPDATE products SET stock = stock - ? WHERE id = ?", (n - 1, line["product_id"]))
    db.close()


def notifications(path, secret, now_s, out):
    key = hmac.new(secret.encode(), b"hutong-sandbox-notify", hashlib.sha256).digest()
    db = sqlite3.connect(path)
    trades = rows(db, "SELECT t.trade_no, t.out_trade_no, t.amount_minor, t.currency FROM sandbox_trades t"
                      " JOIN payments p ON p.out_trade_no = t.out_trade_no WHERE p.status = 'pending'")
    db.close()
    with open(out, "w") as f:
        for i, t in enumerate(trades):
            body = json.dumps({"id": f"bench-{i}", "type": "payment", "trade_no": t["trade_no"],
                               "out_trade_no": t["out_trade_no"], "status": "SUCCESS",
                               "amount": t["amount_minor"], "currency": t["currency"]}, separators=(",", ":"))
            nonce = secrets.token_hex(16)
            message = f"{now_s}\n{nonce}\n{body}\n".encode()
            f.write(f"{now_s} {nonce} {hmac.new(key, message, hashlib.sha256).hexdigest()} {body}\n")


def tokens(path, out):
    db = sqlite3.connect(path)
    with open(out, "w") as f:
        for (token,) in db.execute("SELECT token FROM orders WHERE state = 'shipped' ORDER BY id"):
            f.write(token + "\n")
    db.close()


def ship(path, now_ms):
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE orders SET state = 'shipped', shipped = 1, version = version + 1, deadline_ms = ?,"
                   " carrier = 'SF', tracking_number = 'SF1', updated_at_ms = ? WHERE state = 'paid'",
                   (now_ms + TEN_DAYS_MS, now_ms))
    db.close()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "template":
        template(int(args[0]), args[1])
    elif cmd == "clone":
        clone(args[0], int(args[1]))
    elif cmd == "notifications":
        notifications(args[0], args[1], int(args[2]), args[3])
    elif cmd == "tokens":
        tokens(args[0], args[1])
    elif cmd == "ship":
        ship(args[0], int(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
