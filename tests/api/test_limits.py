"""Every HTTP-layer limit, tested on both sides (values from src/http/limits.h)."""
import json
import socket
import time

from conftest import Server

BODY_BYTES_MAX = 1024 * 1024
HEADER_BYTES_MAX = 16 * 1024
PATH_BYTES_MAX = 4096
JSON_DEPTH_MAX = 16


def body_of_size(size):
    """A JSON object of exactly `size` bytes with an unknown padding field (so it is a 400,
    not a 413, when it fits)."""
    head = b'{"title":"x","price_minor":1,"pad":"'
    tail = b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def test_body_size_both_sides(merchant):
    c, _, _ = merchant
    at_limit = c.request("POST", "/v1/products", raw=body_of_size(BODY_BYTES_MAX),
                         headers={"Content-Type": "application/json"})
    assert at_limit.status == 400 and at_limit.json["error"]["code"] == "unknown_field"
    over = c.request("POST", "/v1/products", raw=body_of_size(BODY_BYTES_MAX + 1),
                     headers={"Content-Type": "application/json"})
    assert over.status == 413 and over.json["error"]["code"] == "body_too_large"
    # The connection survives a 413 whose body was read, and the next request works.
    assert c.get("/v1/products").status == 200


def test_enormous_declared_body_is_refused_without_reading(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000000\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 413")
    assert b'"body_too_large"' in data


def test_header_size_both_sides(merchant):
    c, _, _ = merchant
    ok = c.get("/v1/products", headers={"X-Pad": "a" * (HEADER_BYTES_MAX - 1024)})
    assert ok.status == 200
    big = c.get("/v1/products", headers={"X-Pad": "a" * (HEADER_BYTES_MAX + 1)})
    assert big.status == 431 and big.json["error"]["code"] == "headers_too_large"


def test_path_length_both_sides(anon):
    ok = anon.get("/" + "a" * (PATH_BYTES_MAX - 1))
    assert ok.status == 404
    long = anon.get("/" + "a" * PATH_BYTES_MAX)
    assert long.status == 414 and long.json["error"]["code"] == "uri_too_long"


def nested(depth):
    """A body whose deepest value sits at nesting `depth` (the top-level object is 1)."""
    return ('{"title":"x","price_minor":1,"x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()


def test_json_depth_both_sides(merchant):
    c, _, _ = merchant
    ok = c.request("POST", "/v1/products", raw=nested(JSON_DEPTH_MAX), headers={"Content-Type": "application/json"})
    assert ok.status == 400 and ok.json["error"]["code"] == "unknown_field"
    deep = c.request("POST", "/v1/products", raw=nested(JSON_DEPTH_MAX + 1),
                     headers={"Content-Type": "application/json"})
    assert deep.status == 400 and deep.json["error"]["code"] == "too_deep"


def test_string_lengths_both_sides(merchant):
    c, _, _ = merchant
    assert c.post("/v1/products", {"title": "茶" * 200, "price_minor": 1}).status == 201
    r = c.post("/v1/products", {"title": "茶" * 201, "price_minor": 1})
    assert r.status == 400 and r.json["error"] == {**r.json["error"], "code": "too_long", "field": "title"}
    assert c.post("/v1/products", {"title": "t", "price_minor": 1, "description": "d" * 5000}).status == 201
    r = c.post("/v1/products", {"title": "t", "price_minor": 1, "description": "d" * 5001})
    assert r.status == 400 and r.json["error"]["field"] == "description"
    url = "https://img.example.com/" + "a" * (2048 - len("https://img.example.com/"))
    assert c.post("/v1/products", {"title": "t", "price_minor": 1, "image_url": url}).status == 201
    r = c.post("/v1/products", {"title": "t", "price_minor": 1, "image_url": url + "a"})
    assert r.status == 400 and r.json["error"]["field"] == "image_url"


def test_price_bounds_both_sides(merchant):
    c, _, _ = merchant
    assert c.post("/v1/products", {"title": "t", "price_minor": 1}).status == 201
    assert c.post("/v1/products", {"title": "t", "price_minor": 10**15}).status == 201
    assert c.post("/v1/products", {"title": "t", "price_minor": 10**15 + 1}).status == 400


def test_connection_limit_both_sides():
    s = Server({"HUTONG_CONNECTIONS_MAX": "4"}).start()
    try:
        held = []
        # Server.start() probed with one short connection; give it time to be closed.
        time.sleep(0.2)
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            held.append(sock)
        # Beyond the limit the server stops accepting: the connection waits in the kernel's
        # backlog and gets no answer while all four slots are taken...
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        extra.settimeout(1.0)
        try:
            early = extra.recv(4096)
        except socket.timeout:
            early = None
        assert early is None, "a fifth connection must not be served while four are open"
        # ...and is served as soon as one slot frees.
        held.pop().close()
        extra.settimeout(5)
        assert extra.recv(4096).startswith(b"HTTP/1.1 200")
        extra.close()
        for sock in held:
            sock.close()
    finally:
        s.assert_clean_exit()
