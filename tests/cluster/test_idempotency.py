"""An Idempotency-Key used on node A and replayed on node B returns the same response.

The key, its request hash and the stored response live in the database (src/store/
idempotency.c), claimed in their own transaction and completed in the handler's, so every
node sees the same record: B replays what A answered, refuses a different body (422) and
answers 409 while A is still working on it.
"""
import threading
import uuid

from harness import Shop

PRODUCT = {"title": "一次 once", "price_minor": 500, "stock": 3}


def count(cluster, query, *params):
    return int(cluster.scalar(query, *params))


def test_key_used_on_a_is_replayed_on_b(cluster):
    merchant_id, key = cluster.new_merchant()
    a, b = cluster.node("a").client(key), cluster.node("b").client(key)
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    first = a.post("/v1/products", PRODUCT, headers=idem)
    second = b.post("/v1/products", PRODUCT, headers=idem)
    assert first.status == second.status == 201, (first, second)
    assert second.body == first.body
    assert second.header("Location") == first.header("Location")
    assert second.header("Idempotent-Replayed") == "true" and first.header("Idempotent-Replayed") is None
    assert count(cluster, "SELECT COUNT(*) FROM products WHERE merchant_id = ?", merchant_id) == 1
    # A different body under the same key, on either node: refused, nothing written.
    for c in (a, b):
        r = c.post("/v1/products", {**PRODUCT, "price_minor": 501}, headers=idem)
        assert r.status == 422 and r.json["error"]["code"] == "idempotency_key_reused", r
    assert count(cluster, "SELECT COUNT(*) FROM products WHERE merchant_id = ?", merchant_id) == 1
    a.close()
    b.close()


def test_an_order_placed_on_a_is_replayed_on_b(cluster):
    """The money path: a buyer's retry that lands on the other node gets the same order, and
    the stock is reserved once."""
    shop = Shop(cluster, stock=10)
    a, b = cluster.node("a").client(), cluster.node("b").client()
    idem = {"Idempotency-Key": "order-" + uuid.uuid4().hex}
    first = shop.place(a, 2, headers=idem)
    second = shop.place(b, 2, headers=idem)
    assert first.status == second.status == 201, (first, second)
    assert second.json["token"] == first.json["token"] and second.json["id"] == first.json["id"]
    assert second.header("Idempotent-Replayed") == "true"
    assert cluster.scalar("SELECT stock FROM products WHERE id = ?", shop.product["id"]) == "8"
    assert count(cluster, "SELECT COUNT(*) FROM orders WHERE merchant_id = ?", shop.merchant_id) == 1
    a.close()
    b.close()


def test_same_key_on_both_nodes_at_once_has_one_effect(cluster):
    """Both nodes receive the same keyed request at the same moment, many times over: each key
    creates exactly one product; the other request replays it or is told it is in flight."""
    merchant_id, key = cluster.new_merchant()
    rounds = 20
    statuses = []
    for i in range(rounds):
        idem = {"Idempotency-Key": f"race-{i}-{uuid.uuid4().hex}"}
        results = [None, None]
        start = threading.Barrier(2)

        def send(slot, node):
            c = cluster.node(node).client(key)
            try:
                start.wait(timeout=30)
                results[slot] = c.post("/v1/products", {**PRODUCT, "title": f"race {i}"}, headers=idem)
            finally:
                c.close()

        threads = [threading.Thread(target=send, args=(0, "a")), threading.Thread(target=send, args=(1, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        created = [r for r in results if r.status == 201 and r.header("Idempotent-Replayed") is None]
        replayed = [r for r in results if r.status == 201 and r.header("Idempotent-Replayed") == "true"]
        in_flight = [r for r in results if r.status == 409]
        assert len(created) == 1, results
        assert len(replayed) + len(in_flight) == 1, results
        for r in in_flight:
            assert r.json["error"]["code"] == "idempotency_key_in_use", r
        for r in replayed:
            assert r.body == created[0].body
        statuses.append("replayed" if replayed else "in_flight")
    assert count(cluster, "SELECT COUNT(*) FROM products WHERE merchant_id = ?", merchant_id) == rounds
    print(f"second request of each pair: {statuses.count('replayed')} replayed, "
          f"{statuses.count('in_flight')} in flight")
