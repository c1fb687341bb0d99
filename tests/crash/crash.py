#!/usr/bin/env python3
"""Crash test of the transaction loop: concurrent buyers and a merchant place, pay (through
the sandbox wallet), ship, confirm, ask for and approve refunds and request payouts while the
server is killed with SIGKILL at a random moment; after each restart every acknowledged (2xx)
operation must be there and `hutong ledger verify` must pass. Python standard library only.

    tests/crash/crash.py [--rounds 12] [--db sqlite | postgres://...] [--seed N] [--bin PATH]

One round: start `hutong serve` on the round's database (the same one every round), run
WORKERS threads of random operations for a random 0.3–2.5 s, SIGKILL the server, run
`hutong ledger verify` on the database as the crash left it, restart, let the background jobs
deliver what the wallet owes, then check every operation acknowledged so far:

  place           the order exists, with its total
  payment start   the attempt is recorded on the order
  wallet approve  the wallet's trade is paid and the order received it (pay_succeeded)
  ship            the timeline has the ship event
  confirm         the order is completed and released
  refund request  the timeline has request_refund
  refund approve  the order has refunded at least every acknowledged amount
  payout          the payout record exists with its amount

plus stock conservation (initial stock = stock left + units held by orders) and ledger verify
again. With postgres:// (a throwaway cluster, tests/pg/cluster.sh) the rounds run against a
fresh database in that cluster. Exits 1 with the details and the server logs' directory on any
failure; every wait is bounded and the whole run takes well under two minutes.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import pg  # noqa: E402  (stdlib only: psql through subprocess)

ROUNDS_DEFAULT = 12
# Threads of operations per round: enough to keep the server's workers and the write lock busy.
WORKERS = 6
# Load lasts this long before the kill (uniformly random between the two).
LOAD_S_MIN, LOAD_S_MAX = 0.3, 2.5
# Bounded waits.
START_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 10
SETTLE_TIMEOUT_S = 30
# The catalog: products with plenty of stock and a few scarce ones (stock races).
PRODUCTS = [(1999, 100000), (500, 100000), (12345, 100000), (300, 40), (800, 25)]
SECRET = "crash-secret-0123456789abcdef0123456789abcdef"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


class Dead(Exception):
    """The server is gone (killed): the operation's outcome is unknown, so it is not recorded."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port, key=None):
        self.port, self.key, self.conn = port, key, None

    def request(self, method, path, body=None, form=None):
        headers = {}
        data = None
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            data = form.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            payload = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise Dead(str(e)) from e
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        return r.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Harness:
    """The server process, its database and the CLI."""

    def __init__(self, binary, db, workdir):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.cluster = db if db.startswith(("postgres://", "postgresql://")) else None
        self.db_url = pg.create_database(db) if self.cluster else f"sqlite:{workdir}/hutong.db"
        self.env = dict(os.environ, HUTONG_DB=self.db_url, HUTONG_LISTEN=f"127.0.0.1:{self.port}",
                        HUTONG_SECRET=SECRET, HUTONG_ACCESS_LOG="off", HUTONG_THREADS="4", HUTONG_TEST_HOOKS="1")
        self.proc = None
        self.log = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.log = open(os.path.join(self.workdir, f"server-{self.starts}.log"), "wb")
        self.proc = subprocess.Popen([self.binary, "serve"], cwd=self.workdir, env=self.env, stdout=self.log,
                                     stderr=self.log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} (see {self.log.name})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        self.log.close()

    def stop(self):
        """Stops the server gracefully; returns its exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.log:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def sanitizer_reports(self):
        """Logs of every start that hold a sanitizer report (a killed process prints none of
        its own; a report means a real fault)."""
        found = []
        for i in range(1, self.starts + 1):
            with open(os.path.join(self.workdir, f"server-{i}.log"), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            if any(m in text for m in SANITIZER_MARKERS):
                found.append(f.name)
        return found

    def drop(self):
        if self.cluster:
            pg.drop_database(self.cluster, self.db_url)

    def cli(self, *args):
        r = subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env, capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode() + r.stderr.decode()

    def query(self, sql, *params):
        if self.cluster:
            return pg.psql(self.db_url, pg.bind(sql, params))
        db = sqlite3.connect(self.db_url[len("sqlite:"):], timeout=10)
        try:
            return [[str(v) for v in row] for row in db.execute(sql, params).fetchall()]
        finally:
            db.close()


class Book:
    """What the clients know: orders they placed, and every acknowledged operation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}  # id → {"token", "total", "product", "quantity", "state", "payments": [...]}
        self.acked = []  # (kind, order_id or None, detail)
        self.unknown = 0  # operations cut off by the kill

    def ack(self, kind, order_id, detail=None):
        with self.lock:
            self.acked.append((kind, order_id, detail))

    def pick(self, rng, states):
        with self.lock:
            ids = [i for i, o in self.orders.items() if o["state"] in states]
            return self.orders[rng.choice(ids)] if ids else None


def place(c, m, book, rng, products):
    code, price, _ = rng.choice(products)
    quantity = rng.choice((1, 1, 1, 2, 3))
    status, body = c.request("POST", "/v1/orders", {
        "items": [{"product_code": code, "quantity": quantity}],
        "buyer": {"name": "Crash Tester", "phone": "13800138000"}, "shipping_address": "Somewhere 1"})
    if status == 201:
        with book.lock:
            book.orders[body["id"]] = {"id": body["id"], "token": body["token"], "total": body["total_minor"],
                                       "state": "pending_payment", "payments": []}
        book.ack("place", body["id"], body["total_minor"])


def pay(c, m, book, rng, products):
    o = book.pick(rng, ("pending_payment",))
    if not o:
        return
    status, p = c.request("POST", f"/v1/buyer/orders/{o['token']}/payments", {"channel": "sandbox"})
    if status != 201:
        return
    book.ack("payment", o["id"], p["reference"])
    if not p.get("pay_url"):
        return
    status, _ = c.request("POST", "/pay/sandbox/" + p["pay_url"].rsplit("/", 1)[1], form="decision=approve")
    if status == 303:
        book.ack("approve", o["id"], p["reference"])
        with book.lock:
            o["state"] = "paid"


def ship(c, m, book, rng, products):
    o = book.pick(rng, ("paid",))
    if not o:
        return
    status, body = m.request("POST", f"/v1/orders/{o['id']}/ship", {"carrier": "SF", "tracking_number": "SF1"})
    if status == 200:
        book.ack("ship", o["id"])
        with book.lock:
            o["state"] = body["state"]


def confirm(c, m, book, rng, products):
    o = book.pick(rng, ("shipped",))
    if not o:
        return
    status, body = c.request("POST", f"/v1/buyer/orders/{o['token']}/confirm")
    if status == 200:
        book.ack("confirm", o["id"])
        with book.lock:
            o["state"] = body["state"]


def request_refund(c, m, book, rng, products):
    o = book.pick(rng, ("paid", "shipped"))
    if not o:
        return
    status, body = c.request("POST", f"/v1/buyer/orders/{o['token']}/refund-request",
                             {"amount_minor": rng.randint(1, o["total"])})
    if status == 200:
        book.ack("request_refund", o["id"])
        with book.lock:
            o["state"] = body["state"]


def approve_refund(c, m, book, rng, products):
    o = book.pick(rng, ("paid", "shipped", "refund_requested"))
    if not o:
        return
    amount = rng.randint(1, max(1, o["total"] // 2))
    status, body = m.request("POST", f"/v1/orders/{o['id']}/refunds", {"amount_minor": amount})
    if status == 200:
        book.ack("approve_refund", o["id"], amount)
        with book.lock:
            o["state"] = body["state"]


def payout(c, m, book, rng, products):
    status, body = m.request("POST", "/v1/payouts", {"amount_minor": rng.randint(1, 500)})
    if status == 201:
        book.ack("payout", None, (body["reference"], body["amount_minor"]))


def run_jobs(c, m, book, rng, products):
    c.request("POST", "/_test/jobs")


OPERATIONS = [(place, 5), (pay, 5), (ship, 3), (confirm, 3), (request_refund, 1), (approve_refund, 2),
              (payout, 1), (run_jobs, 1)]


def worker(harness, key, book, products, seed, stop):
    rng = random.Random(seed)
    c, m = Client(harness.port), Client(harness.port, key)
    ops, weights = zip(*OPERATIONS)
    try:
        while not stop.is_set():
            op = rng.choices(ops, weights)[0]
            try:
                op(c, m, book, rng, products)
            except Dead:
                with book.lock:
                    book.unknown += 1
                if stop.is_set():
                    return
                time.sleep(0.01)
    finally:
        c.close()
        m.close()


def setup(harness):
    harness.start()
    code, out = harness.cli("merchant", "create", "--name", "Crash Shop")
    assert code == 0, out
    merchant_id = int(out.split()[0])
    code, out = harness.cli("apikey", "create", "--merchant", str(merchant_id))
    assert code == 0, out
    key = out.split()[0]
    m = Client(harness.port, key)
    products = []
    for price, stock in PRODUCTS:
        status, p = m.request("POST", "/v1/products", {"title": f"P{price}", "price_minor": price, "stock": stock})
        assert status == 201, p
        products.append((p["code"], price, p["id"]))
    m.close()
    return key, products


def settle(harness, book):
    """Runs the jobs until every acknowledged wallet approval has been applied (the wallet
    notifies after the restart, with its backoff); returns the orders as the buyer sees them."""
    c = Client(harness.port)
    approved = {ref for kind, _, ref in book.acked if kind == "approve"}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    try:
        while True:
            c.request("POST", "/_test/jobs")
            rows = harness.query("SELECT out_trade_no FROM payments WHERE status = 'succeeded'")
            missing = approved - {r[0] for r in rows}
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        orders = {}
        for oid, o in list(book.orders.items()):
            status, body = c.request("GET", f"/v1/buyer/orders/{o['token']}")
            orders[oid] = body if status == 200 else None
        return orders, missing
    finally:
        c.close()


def check(harness, book, products, initial_stock):
    """Every acknowledged operation is present; returns a list of problems."""
    problems = []
    orders, missing = settle(harness, book)
    if missing:
        problems.append(f"approved payments never applied: {sorted(missing)[:5]}")
    refunds = {}
    for kind, oid, detail in book.acked:
        o = orders.get(oid) if oid else None
        if oid and o is None:
            problems.append(f"{kind}: order {oid} is gone")
            continue
        events = [e["event"] for e in o["timeline"]] if o else []
        if kind == "place" and o["total_minor"] != detail:
            problems.append(f"place: order {oid} total {o['total_minor']} != {detail}")
        elif kind == "payment" and detail not in [p["reference"] for p in o["payments"]]:
            problems.append(f"payment: {detail} not recorded on order {oid}")
        elif kind == "approve":
            p = [p for p in o["payments"] if p["reference"] == detail]
            if not p or p[0]["status"] != "succeeded" or "pay_succeeded" not in events:
                problems.append(f"approve: payment {detail} of order {oid} not applied ({p}, {events})")
        elif kind == "ship" and "ship" not in events:
            problems.append(f"ship: order {oid} has no ship event ({events})")
        elif kind == "confirm" and (o["state"] != "completed" or o["released_minor"] <= 0):
            problems.append(f"confirm: order {oid} is {o['state']}, released {o['released_minor']}")
        elif kind == "request_refund" and "request_refund" not in events:
            problems.append(f"request_refund: order {oid} has no request_refund event ({events})")
        elif kind == "approve_refund":
            refunds[oid] = refunds.get(oid, 0) + detail
    for oid, amount in refunds.items():
        if orders[oid]["refunded_minor"] < amount:
            problems.append(f"approve_refund: order {oid} refunded {orders[oid]['refunded_minor']} < acked {amount}")
    payouts = {r[0]: int(r[1]) for r in harness.query("SELECT out_payout_no, amount_minor FROM payouts")}
    for kind, _, detail in book.acked:
        if kind == "payout" and payouts.get(detail[0]) != detail[1]:
            problems.append(f"payout: {detail[0]} of {detail[1]} missing ({payouts.get(detail[0])})")
    for _, _, product_id in products:
        left = int(harness.query("SELECT stock FROM products WHERE id = ?", product_id)[0][0])
        held = int(harness.query(
            "SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE l.product_id = ? AND o.state <> 'closed' AND NOT (o.state = 'refunded' AND o.shipped = 0)",
            product_id)[0][0])
        if left + held != initial_stock[product_id] or left < 0:
            problems.append(f"stock of product {product_id}: {left} left + {held} held != {initial_stock[product_id]}")
    return problems


def verify(harness, when):
    code, out = harness.cli("ledger", "verify")
    return [] if code == 0 else [f"ledger verify {when}: {out.strip()}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=ROUNDS_DEFAULT)
    ap.add_argument("--db", default=os.environ.get("HUTONG_TEST_DB", "sqlite"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--bin", default=os.environ.get("HUTONG_BIN", os.path.join(ROOT, "build", "src", "hutong")))
    ap.add_argument("--keep", action="store_true", help="keep the working directory (logs, SQLite file)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="hutong-crash-")
    harness = Harness(os.path.abspath(args.bin), args.db, workdir)
    engine = "postgres" if harness.cluster else "sqlite"
    print(f"crash test: {args.rounds} rounds on {engine}, seed {seed}, logs in {workdir}", flush=True)
    started = time.monotonic()
    failed = False
    try:
        key, products = setup(harness)
        initial_stock = {pid: stock for (_, _, pid), (_, stock) in zip(products, PRODUCTS)}
        book = Book()
        for round_ in range(1, args.rounds + 1):
            if harness.proc.poll() is not None:
                harness.start()
            acked_before, unknown_before = len(book.acked), book.unknown
            stop = threading.Event()
            threads = [threading.Thread(target=worker, args=(harness, key, book, products, rng.random(), stop))
                       for _ in range(WORKERS)]
            for t in threads:
                t.start()
            load_s = rng.uniform(LOAD_S_MIN, LOAD_S_MAX)
            time.sleep(load_s)
            stop.set()
            harness.kill()
            for t in threads:
                t.join(REQUEST_TIMEOUT_S + 5)
            problems = verify(harness, "after the kill")
            harness.start()
            problems += check(harness, book, products, initial_stock)
            problems += verify(harness, "after the restart")
            kinds = {}
            for kind, _, _ in book.acked[acked_before:]:
                kinds[kind] = kinds.get(kind, 0) + 1
            print(f"round {round_:2d}: killed after {load_s:.2f} s; acknowledged {len(book.acked) - acked_before}"
                  f" ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); cut off"
                  f" {book.unknown - unknown_before}; {'OK' if not problems else 'FAILED'}", flush=True)
            if problems:
                failed = True
                for p in problems[:20]:
                    print("  " + p)
                break
        status = harness.stop()
        if status != 0:
            failed = True
            print(f"crash test: the last server exited with {status}")
        reports = harness.sanitizer_reports()
        if reports:
            failed = True
            print(f"crash test: sanitizer reports in {', '.join(reports)}")
        total = len(book.acked)
        print(f"crash test: {'FAILED' if failed else 'passed'}; {len(book.orders)} orders, {total} acknowledged"
              f" operations checked over {round_} restarts in {time.monotonic() - started:.1f} s")
    finally:
        harness.stop()
        if not failed:
            harness.drop()
        if not failed and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
