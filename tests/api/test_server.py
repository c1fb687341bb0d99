"""Server-wide behaviour: health, metrics, 404/405 shapes, request ids, access log, shutdown."""
import json
import signal
import socket
import time

from conftest import Server


def test_healthz(anon):
    r = anon.get("/healthz")
    assert r.status == 200 and r.json == {"status": "ok"}
    assert r.header("Connection") != "close"  # keep-alive survives


def test_request_ids(anon):
    a, b = anon.get("/healthz"), anon.get("/healthz")
    assert a.header("X-Request-Id") and a.header("X-Request-Id") != b.header("X-Request-Id")
    r = anon.get("/healthz", headers={"X-Request-Id": "trace-abc_123"})
    assert r.header("X-Request-Id") == "trace-abc_123"
    r = anon.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert r.header("X-Request-Id") != "bad id with spaces"


def test_not_found_json_and_html(anon):
    r = anon.get("/nope")
    assert r.status == 404 and r.json["error"]["code"] == "not_found"
    r = anon.get("/nope", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status == 404 and r.header("Content-Type").startswith("text/html")
    assert "<h1>" in r.text


def test_metrics_count_requests_by_route(anon):
    anon.get("/healthz")
    anon.get("/does-not-exist")
    text = anon.get("/metrics").text
    assert 'hutong_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "hutong_http_request_duration_seconds_bucket" in text
    assert "hutong_db_errors_total 0" in text


def test_access_log_is_json_lines(server, anon):
    anon.get("/healthz", headers={"X-Request-Id": "log-check-1"})
    time.sleep(0.1)
    lines = open(f"{server.dir}/access.log", encoding="utf-8").read().splitlines()
    entries = [json.loads(line) for line in lines]
    mine = [e for e in entries if e["request_id"] == "log-check-1"]
    assert mine and mine[0]["status"] == 200 and mine[0]["route"] == "/healthz"
    assert mine[0]["method"] == "GET" and mine[0]["duration_us"] >= 0


def test_graceful_shutdown_finishes_in_flight_request():
    s = Server().start()
    merchant_id, key = s.new_merchant()
    body = json.dumps({"title": "in flight", "price_minor": 100}).encode()
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                 + body[:10])
    time.sleep(0.3)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert s.proc.poll() is None, "server must wait for the in-flight request"
    sock.sendall(body[10:])
    response = b""
    while b"}" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            break
        response += chunk
    sock.close()
    assert response.startswith(b"HTTP/1.1 201"), response
    assert s.proc.wait(timeout=15) == 0
    # The acknowledged product is on disk: a fresh server sees it.
    s2 = Server()
    s2.dir, s2.db_url = s.dir, s.db_url
    s2.env.update({"HUTONG_DB": s.db_url, "HUTONG_LISTEN": f"127.0.0.1:{s2.port}"})
    s2.start()
    c = s2.client(key)
    assert [p["title"] for p in c.get("/v1/products").json["data"]] == ["in flight"]
    c.close()
    s2.assert_clean_exit()
