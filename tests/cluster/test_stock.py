"""Concurrent buyers on both nodes race for limited stock: exactly the stock is sold.

Stock is reserved with a conditional UPDATE (`stock = stock - q WHERE stock >= q`) in the
order's transaction (src/pay/orders.c); PostgreSQL's row lock serializes the two nodes'
updates and the loser re-checks the condition on the new row, so no node can sell what the
other already sold.
"""
import threading

from harness import Shop

# Units on sale, and buyers racing for them (each wants QUANTITY).
STOCK = 25
BUYERS = 24
ORDERS_PER_BUYER = 3
QUANTITY = 1


def race(cluster, shop, make_client):
    """Every buyer places ORDERS_PER_BUYER orders at once; returns the responses."""
    results, lock = [], threading.Lock()
    start = threading.Barrier(BUYERS)

    def buyer(i):
        c = make_client(i)
        try:
            start.wait(timeout=30)
            for _ in range(ORDERS_PER_BUYER):
                r = shop.place(c, QUANTITY)
                with lock:
                    results.append((i, r))
        finally:
            c.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a buyer did not finish"
    return results


def check_sold_exactly(cluster, shop, results):
    placed = [r for _, r in results if r.status == 201]
    refused = [r for _, r in results if r.status != 201]
    assert len(placed) * QUANTITY == STOCK, f"{len(placed)} orders placed for {STOCK} units"
    for r in refused:
        assert r.status == 409 and r.json["error"]["code"] == "out_of_stock", r
    assert cluster.scalar("SELECT stock FROM products WHERE id = ?", shop.product["id"]) == "0"
    lines = cluster.scalar("SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id"
                           " WHERE o.merchant_id = ?", shop.merchant_id)
    assert int(lines) == STOCK
    return placed


def test_buyers_on_both_nodes_buy_exactly_the_stock(cluster):
    shop = Shop(cluster, stock=STOCK)
    # Half the buyers on each node directly, so both nodes certainly take part.
    results = race(cluster, shop, lambda i: cluster.node("ab"[i % 2]).client())
    check_sold_exactly(cluster, shop, results)
    ports = {r.json["id"] for _, r in results if r.status == 201}
    assert len(ports) == STOCK  # distinct orders


def test_buyers_through_the_load_balancer_buy_exactly_the_stock(cluster):
    shop = Shop(cluster, stock=STOCK)
    results = race(cluster, shop, lambda i: cluster.lb())
    check_sold_exactly(cluster, shop, results)
