"""Idempotency-Key on POST (Stripe semantics): replay, 422 on a different body, 409 in flight."""
import threading
import time
import uuid

import pytest

BODY = {"title": "once", "price_minor": 500}


def products(c):
    return c.get("/v1/products?status=all&limit=100").json["data"]


def test_replay_returns_the_same_response_once(merchant):
    c, _, _ = merchant
    key = str(uuid.uuid4())
    first = c.post("/v1/products", BODY, headers={"Idempotency-Key": key})
    second = c.post("/v1/products", BODY, headers={"Idempotency-Key": key})
    assert first.status == second.status == 201
    assert first.body == second.body
    assert second.header("Idempotent-Replayed") == "true"
    assert second.header("Location") == first.header("Location")
    assert len(products(c)) == 1


def test_different_body_is_422(merchant):
    c, _, _ = merchant
    key = str(uuid.uuid4())
    assert c.post("/v1/products", BODY, headers={"Idempotency-Key": key}).status == 201
    r = c.post("/v1/products", {**BODY, "price_minor": 501}, headers={"Idempotency-Key": key})
    assert r.status == 422 and r.error_code() == "idempotency_key_reused"
    assert len(products(c)) == 1


def test_rejected_request_is_not_stored(merchant):
    c, _, _ = merchant
    key = str(uuid.uuid4())
    bad = c.post("/v1/products", {"title": "x"}, headers={"Idempotency-Key": key})
    assert bad.status == 400
    good = c.post("/v1/products", BODY, headers={"Idempotency-Key": key})
    assert good.status == 201 and good.header("Idempotent-Replayed") is None


def test_keys_are_scoped_per_merchant(server, merchant):
    c, _, _ = merchant
    _, other_key = server.new_merchant("Other")
    other = server.client(other_key)
    key = "shared-key"
    assert c.post("/v1/products", BODY, headers={"Idempotency-Key": key}).status == 201
    r = other.post("/v1/products", BODY, headers={"Idempotency-Key": key})
    assert r.status == 201 and r.header("Idempotent-Replayed") is None
    other.close()


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "ключ"])
def test_invalid_keys(merchant, key):
    c, _, _ = merchant
    r = c.request("POST", "/v1/products", raw=b'{"title":"x","price_minor":1}',
                  headers={"Content-Type": "application/json", "Idempotency-Key": key.encode().decode("latin-1")})
    assert r.status == 400 and r.error_code() == "invalid_idempotency_key"
    assert products(c) == []


def test_key_length_limit_accepts_255(merchant):
    c, _, _ = merchant
    assert c.post("/v1/products", BODY, headers={"Idempotency-Key": "k" * 255}).status == 201


def plant_in_flight(server, merchant_id, key, age_ms):
    """Records a claim as if another request (or a crashed process) held the key."""
    server.execute("INSERT INTO idempotency_keys (scope, key, request_hash, owner, state, created_at_ms)"
                   " VALUES (?, ?, 'h', 'someone-else', 'in_flight', ?)",
                   merchant_id, key, int(time.time() * 1000) - age_ms)


def test_in_flight_is_409_and_abandoned_claims_are_taken_over(server, merchant):
    c, merchant_id, _ = merchant
    plant_in_flight(server, merchant_id, "busy", age_ms=1000)
    r = c.post("/v1/products", BODY, headers={"Idempotency-Key": "busy"})
    assert r.status == 409 and r.error_code() == "idempotency_key_in_use"
    assert products(c) == []
    plant_in_flight(server, merchant_id, "crashed", age_ms=61_000)  # lease is 60 s
    r = c.post("/v1/products", BODY, headers={"Idempotency-Key": "crashed"})
    assert r.status == 201
    assert len(products(c)) == 1


# Simultaneous requests with one key in the concurrent test; more than the server's workers.
RACERS = 8


def test_simultaneous_requests_with_one_key_create_one_product(server, merchant):
    """On PostgreSQL the claims really run in parallel (row locks, not one write lock)."""
    c, _, key = merchant
    start = threading.Barrier(RACERS)
    statuses = []

    def race():
        client = server.client(key)
        start.wait(timeout=10)
        r = client.post("/v1/products", BODY, headers={"Idempotency-Key": "race"})
        statuses.append((r.status, r.header("Idempotent-Replayed")))
        client.close()

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(statuses) == RACERS
    assert [s for s, replayed in statuses if s == 201 and replayed is None] == [201], statuses
    assert {s for s, _ in statuses} <= {201, 409}, statuses
    assert len(products(c)) == 1
