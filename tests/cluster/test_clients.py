"""Behind the load balancer every request comes from nginx's address; the nodes must still
tell clients apart, or one client's rate limit is everyone's.

The nodes trust nginx (HUTONG_TRUSTED_PROXIES=127.0.0.1) and take the client's address from
the rightmost X-Forwarded-For entry that is not a trusted proxy. On loopback the test cannot
connect from other addresses, so each client names itself in its own X-Forwarded-For header,
as the proxy before nginx would; nginx appends what it saw (127.0.0.1, trusted, skipped).
Rate limits are counted per node: through round robin a client gets up to the limit on each.
"""
import os

from harness import Shop

# Hand-offs one address may create a minute (HANDOFF_CREATE_PER_MINUTE in src/api/share.c).
HANDOFFS_PER_MINUTE = 30
NODES = 2


def handoff(client, code, address):
    return client.post("/v1/handoffs", {"product_code": code}, headers={"X-Forwarded-For": address}).status


def test_rate_limits_count_each_client_behind_the_load_balancer(cluster):
    shop = Shop(cluster)
    lb = cluster.lb()
    code = shop.product["code"]
    statuses = [handoff(lb, code, "203.0.113.7") for _ in range(NODES * HANDOFFS_PER_MINUTE + 4)]
    assert statuses.count(201) == NODES * HANDOFFS_PER_MINUTE, statuses
    assert statuses[-1] == 429
    # Another client through the same nginx is not the first one.
    assert handoff(lb, code, "203.0.113.8") == 201
    assert handoff(lb, code, "2001:db8::8") == 201
    lb.close()
    # The access logs name the clients, not nginx.
    logs = "".join(open(os.path.join(n.dir, "access.log"), encoding="utf-8").read() for n in cluster.nodes.values())
    assert '"203.0.113.8"' in logs and '"2001:db8::8"' in logs


def test_a_header_of_only_trusted_addresses_leaves_the_peer(cluster):
    """X-Forwarded-For naming nothing but trusted proxies (or garbage) names no client: the
    address that connected is used, so a client cannot hide behind such a header."""
    shop = Shop(cluster)
    c = cluster.node("a").client()
    code = shop.product["code"]
    for header in ("127.0.0.1", "not-an-address", "", "127.0.0.1, 127.0.0.1"):
        assert handoff(c, code, header) in (201, 429)
    c.close()
    logs = open(os.path.join(cluster.node("a").dir, "access.log"), encoding="utf-8").read()
    assert "not-an-address" not in logs
