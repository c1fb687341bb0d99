"""Bad input: every case answers 4xx JSON naming the problem (and the field), and writes nothing."""
import pytest


def count(c):
    return len(c.get("/v1/products?status=all&limit=100").json["data"])


def post_raw(c, raw, content_type="application/json"):
    return c.request("POST", "/v1/products", raw=raw, headers={"Content-Type": content_type})


CASES = [
    # (description, raw body, status, error code, field)
    ("malformed", b'{"title": "x", "price_minor": 1', 400, "invalid_json", None),
    ("trailing comma", b'{"title": "x", "price_minor": 1,}', 400, "invalid_json", None),
    ("not an object", b'[{"title": "x"}]', 400, "invalid_json", None),
    ("empty body", b"", 400, "invalid_json", None),
    ("title wrong type", b'{"title": 5, "price_minor": 1}', 400, "invalid_type", "title"),
    ("price as string", b'{"title": "x", "price_minor": "100"}', 400, "invalid_type", "price_minor"),
    ("price as float", b'{"title": "x", "price_minor": 1.5}', 400, "invalid_type", "price_minor"),
    ("unknown field", b'{"title": "x", "price_minor": 1, "colour": "red"}', 400, "unknown_field", "colour"),
    ("duplicate key", b'{"title": "x", "title": "y", "price_minor": 1}', 400, "duplicate_key", "title"),
    ("missing title", b'{"price_minor": 1}', 400, "missing_field", "title"),
    ("missing price", b'{"title": "x"}', 400, "missing_field", "price_minor"),
    ("null title", b'{"title": null, "price_minor": 1}', 400, "invalid_type", "title"),
    ("empty title", b'{"title": "", "price_minor": 1}', 400, "empty", "title"),
    ("blank title", b'{"title": "   ", "price_minor": 1}', 400, "invalid_value", "title"),
    ("control chars", b'{"title": "a\\u0007b", "price_minor": 1}', 400, "invalid_value", "title"),
    ("invalid utf-8", b'{"title": "ab\xff", "price_minor": 1}', 400, "invalid_utf8", "title"),
    ("overlong utf-8", b'{"title": "\xc0\xaf", "price_minor": 1}', 400, "invalid_utf8", "title"),
    ("lone surrogate", b'{"title": "\\ud800", "price_minor": 1}', 400, "invalid_utf8", "title"),
    ("zero price", b'{"title": "x", "price_minor": 0}', 400, "out_of_range", "price_minor"),
    ("negative price", b'{"title": "x", "price_minor": -100}', 400, "out_of_range", "price_minor"),
    ("price above max", b'{"title": "x", "price_minor": 1000000000000001}', 400, "out_of_range", "price_minor"),
    ("overflowing price", b'{"title": "x", "price_minor": 9223372036854775808}', 400, "out_of_range",
     "price_minor"),
    ("huge negative", b'{"title": "x", "price_minor": -99999999999999999999}', 400, "out_of_range", "price_minor"),
    ("unknown currency", b'{"title": "x", "price_minor": 1, "currency": "XYZ"}', 400, "unsupported_currency",
     "currency"),
    ("lower-case currency", b'{"title": "x", "price_minor": 1, "currency": "cny"}', 400, "unsupported_currency",
     "currency"),
    ("negative stock", b'{"title": "x", "price_minor": 1, "stock": -1}', 400, "out_of_range", "stock"),
    ("ftp image", b'{"title": "x", "price_minor": 1, "image_url": "ftp://a/b.png"}', 400, "invalid_url",
     "image_url"),
    ("javascript image", b'{"title": "x", "price_minor": 1, "image_url": "javascript:alert(1)"}', 400,
     "invalid_url", "image_url"),
    ("bad status", b'{"title": "x", "price_minor": 1, "status": "deleted"}', 400, "invalid_value", "status"),
]


@pytest.mark.parametrize("name,raw,status,code,field", CASES, ids=[c[0] for c in CASES])
def test_bad_product_bodies(merchant, name, raw, status, code, field):
    c, _, _ = merchant
    before = count(c)
    r = post_raw(c, raw)
    assert r.status == status, r
    assert r.header("Content-Type") == "application/json"
    err = r.json["error"]
    assert err["code"] == code
    assert err["message"]
    assert err.get("field") == field
    assert count(c) == before


def test_wrong_content_type(merchant):
    c, _, _ = merchant
    r = post_raw(c, b'{"title": "x", "price_minor": 1}', content_type="text/plain")
    assert r.status == 415 and r.error_code() == "unsupported_media_type"
    r = post_raw(c, b'title=x', content_type="application/x-www-form-urlencoded")
    assert r.status == 415
    r = post_raw(c, b'{"title": "x", "price_minor": 1}', content_type="application/json; charset=utf-8")
    assert r.status == 201


def test_bad_update_changes_nothing(merchant):
    c, _, _ = merchant
    p = c.post("/v1/products", {"title": "stable", "price_minor": 100, "stock": 2}).json
    r = c.patch(f"/v1/products/{p['id']}", {"stock": 5, "currency": "ZZZ"})
    assert r.status == 400 and r.json["error"]["field"] == "currency"
    assert c.get(f"/v1/products/{p['id']}").json["stock"] == 2


def test_missing_and_revoked_keys(server, anon):
    r = anon.get("/v1/products")
    assert r.status == 401 and r.error_code() == "unauthorized"
    assert r.header("WWW-Authenticate").startswith("Bearer")
    assert anon.get("/v1/products", key="hk_" + "A" * 43).status == 401
    assert anon.get("/v1/products", key="not-a-key").status == 401
    r = anon.request("GET", "/v1/products", headers={"Authorization": "Basic dXNlcjpwYXNz"}, key=None)
    assert r.status == 401
    merchant_id, key = server.new_merchant("Revoked")
    assert anon.get("/v1/products", key=key).status == 200
    key_id = server.cli("apikey", "list", "--merchant", str(merchant_id)).stdout.decode().split()[0]
    server.cli("apikey", "revoke", "--id", key_id)
    r = anon.get("/v1/products", key=key)
    assert r.status == 401 and r.error_code() == "unauthorized"


def test_unknown_ids_are_404(merchant):
    c, _, _ = merchant
    for path in ["/v1/products/999999", "/v1/products/0", "/v1/products/-1", "/v1/products/abc",
                 "/v1/products/99999999999999999999"]:
        r = c.get(path)
        assert r.status == 404 and r.error_code() == "not_found", path


def test_bad_listing_parameters(merchant):
    c, _, _ = merchant
    for query, code, field in [("limit=abc", "invalid_value", "limit"), ("limit=0", "out_of_range", "limit"),
                               ("limit=101", "out_of_range", "limit"), ("cursor=zzz", "invalid_cursor", "cursor"),
                               ("cursor=c", "invalid_cursor", "cursor"), ("cursor=c-1", "invalid_cursor", "cursor"),
                               ("status=gone", "invalid_value", "status")]:
        r = c.get("/v1/products?" + query)
        assert r.status == 400, query
        assert r.json["error"]["code"] == code and r.json["error"]["field"] == field, query
    assert c.get("/v1/products?limit=100").status == 200
    assert c.get("/v1/products?limit=1").status == 200


def test_wrong_method_is_405_with_allow(merchant):
    c, _, _ = merchant
    r = c.request("PUT", "/v1/products")
    assert r.status == 405 and r.error_code() == "method_not_allowed"
    assert set(r.header("Allow").split(", ")) == {"POST", "GET", "HEAD"}
    r = c.request("POST", "/v1/products/1")
    assert r.status == 405
