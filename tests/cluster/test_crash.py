"""A node killed mid-load loses no acknowledged operation.

Buyers place orders and a merchant creates products through nginx while node A is killed
with SIGKILL. A 2xx answer means the change committed (fsync on) before the answer was sent,
so every acknowledged order and product must be in the database afterwards, exactly as
answered. Orders carry an Idempotency-Key and are retried with it after any failure (a 502
from nginx when A died holding the request, a refused connection, a 409 while the key is
claimed), as a careful client does: each key must end with exactly one order, and the stock
must account for every order. A key A had claimed when it died is taken over once the claim's
lease (IDEMPOTENCY_LEASE_MS, 60 s) has passed: the test moves B's clock past it.
"""
import threading
import time
import uuid

from harness import Shop

WORKERS = 6
# Load before the kill, and after it (on B alone, through nginx).
BEFORE_KILL_S = 1.5
AFTER_KILL_S = 1.5
# Retries of one keyed order within the load phase.
ATTEMPTS_MAX = 8
# The claim lease of src/store/idempotency.h, and a margin.
IDEMPOTENCY_LEASE_MS = 60 * 1000
LEASE_MARGIN_MS = 5 * 1000
STOCK = 100_000


class Ledger:
    """What the clients were told, per key or per created product."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}      # key -> (quantity, first 201 answer or None)
        self.products = []    # acknowledged product answers
        self.failures = {}    # status or exception name -> count

    def failed(self, what):
        with self.lock:
            self.failures[what] = self.failures.get(what, 0) + 1


def place_keyed(shop, client, ledger, key, quantity, deadline):
    """Places one keyed order, retrying until it is acknowledged or the deadline passes."""
    with ledger.lock:
        ledger.orders[key] = (quantity, None)
    for attempt in range(ATTEMPTS_MAX):
        try:
            r = shop.place(client, quantity, headers={"Idempotency-Key": key})
        except OSError as e:
            ledger.failed(type(e).__name__)
            r = None
        if r is not None and r.status == 201:
            with ledger.lock:
                ledger.orders[key] = (quantity, r.json)
            return
        if r is not None:
            ledger.failed(r.status)
            assert r.status in (409, 502, 503, 504), r
        if time.monotonic() > deadline:
            return
        time.sleep(min(0.05 * 2**attempt, 0.5))


def worker(cluster, shop, ledger, stop, i):
    buyer, merchant = cluster.lb(), cluster.lb(shop.key)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            place_keyed(shop, buyer, ledger, f"crash-{i}-{n}-{uuid.uuid4().hex[:8]}", 1 + n % 3,
                        time.monotonic() + 5)
            try:
                r = merchant.post("/v1/products", {"title": f"made {i}-{n}", "price_minor": 100 + n})
            except OSError as e:
                ledger.failed(type(e).__name__)
                continue
            if r.status == 201:
                with ledger.lock:
                    ledger.products.append(r.json)
            else:
                ledger.failed(r.status)
    finally:
        buyer.close()
        merchant.close()


def test_a_node_killed_mid_load_loses_no_acknowledged_operation(cluster):
    shop = Shop(cluster, stock=STOCK)
    ledger = Ledger()
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(cluster, shop, ledger, stop, i)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    time.sleep(BEFORE_KILL_S)
    cluster.node("a").kill()
    time.sleep(AFTER_KILL_S)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    # Keys still unanswered were claimed by A when it died: B takes them over after the lease.
    pending = [k for k, (_, answer) in ledger.orders.items() if answer is None]
    if pending:
        cluster.advance_clock(IDEMPOTENCY_LEASE_MS + LEASE_MARGIN_MS, nodes=("b",))
        client = cluster.node("b").client()
        for key in pending:
            place_keyed(shop, client, ledger, key, ledger.orders[key][0], time.monotonic() + 10)
        client.close()
    print(f"orders: {len(ledger.orders)} keys, {len(pending)} finished after the lease;"
          f" products: {len(ledger.products)}; failures seen: {ledger.failures}")
    assert len(ledger.orders) > 10 and len(ledger.products) > 10, "too little load to mean anything"
    assert all(answer for _, answer in ledger.orders.values()), "a keyed order was never acknowledged"

    # Every acknowledged order is there as answered, once per key; the stock adds up.
    rows = {int(r[0]): r for r in cluster.sql("SELECT id, token, total_minor FROM orders WHERE merchant_id = ?",
                                              shop.merchant_id)}
    answered = {answer["id"]: answer for _, answer in ledger.orders.values()}
    assert len(answered) == len(ledger.orders), "two keys got the same order"
    assert set(rows) == set(answered), "orders in the database differ from the acknowledged ones"
    for order_id, answer in answered.items():
        assert rows[order_id][1] == answer["token"]
    sold = sum(q for q, _ in ledger.orders.values())
    assert int(cluster.scalar("SELECT stock FROM products WHERE id = ?", shop.product["id"])) == STOCK - sold

    # Every acknowledged product is there with what was answered.
    titles = dict((int(i), t) for i, t in cluster.sql("SELECT id, title FROM products WHERE merchant_id = ?",
                                                     shop.merchant_id))
    for p in ledger.products:
        assert titles.get(p["id"]) == p["title"], p
    # The killed node is restarted by the next test's fixture; the survivor kept serving.
    assert cluster.node("b").running()
