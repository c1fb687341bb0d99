"""Campaign links and the public code routes: CRUD and bad input of /v1/links, /R/ redirects
and their expiry, case-insensitive and forgiving codes on /P /S /R /Q /qr, and 404s that are
a friendly page for browsers and JSON for API clients."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from scan_helpers import link, product

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
TARGET_BYTES_MAX = 2048  # api/links.c LINK_TARGET_BYTES_MAX
CHANNEL_BYTES_MAX = 32  # store/clicks.h CLICK_CHANNEL_BYTES_MAX


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def target_of_length(n):
    base = "https://example.com/"
    return base + "a" * (n - len(base))


def test_create_get_list_update(merchant):
    c, _, _ = merchant
    r = c.post("/v1/links", {"target_url": "https://example.com/sale?utm=1", "channel": "wx_group-3"})
    assert r.status == 201, r
    l = r.json
    assert l["object"] == "link" and len(l["code"]) == 6
    assert r.header("Location") == f"/v1/links/{l['code']}"
    assert l["url"].endswith(f"/R/{l['code']}") and l["scan_url"].endswith(f"/Q/{l['code']}")
    assert l["qr_url"].endswith(f"/qr/{l['code']}.svg")
    assert l["channel"] == "wx_group-3" and l["expires_at"] is None
    assert c.get(f"/v1/links/{l['code'].lower()}").json == l
    listed = [x["code"] for x in c.get("/v1/links?limit=100").json["data"]]
    assert l["code"] in listed
    u = c.patch(f"/v1/links/{l['code']}", {"target_url": "https://example.com/new", "channel": None})
    assert u.status == 200, u
    assert u.json["target_url"] == "https://example.com/new" and u.json["channel"] is None
    assert c.get(f"/R/{l['code']}").header("Location") == "https://example.com/new"


def test_links_are_per_merchant(server, merchant):
    c, _, _ = merchant
    l = link(c)
    _, other_key = server.new_merchant("Other")
    other = server.client(other_key)
    assert other.get(f"/v1/links/{l['code']}").status == 404
    assert other.patch(f"/v1/links/{l['code']}", {"channel": "x"}).status == 404
    assert other.get(f"/v1/links/{l['code']}/stats").status == 404
    other.close()


def test_links_need_a_key(anon):
    assert anon.post("/v1/links", {"target_url": "https://example.com/"}).status == 401
    assert anon.get("/v1/links").status == 401


@pytest.mark.parametrize("n,status", [(TARGET_BYTES_MAX, 201), (TARGET_BYTES_MAX + 1, 400)])
def test_target_length_both_sides(merchant, n, status):
    c, _, _ = merchant
    r = c.post("/v1/links", {"target_url": target_of_length(n)})
    assert r.status == status, r
    if status == 201:
        assert c.get(f"/R/{r.json['code']}").header("Location") == target_of_length(n)
    else:
        assert r.json["error"]["field"] == "target_url"


BAD_TARGETS = ["ftp://example.com/x", "javascript:alert(1)", "data:text/html,hi", "//example.com/x", "example.com",
               "http://", "https:// example.com", "http://exa mple.com/", "mailto:a@b.c", ""]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_bad_targets(merchant, target):
    c, _, _ = merchant
    r = c.post("/v1/links", {"target_url": target})
    assert r.status == 400, r
    assert r.json["error"]["field"] == "target_url"


@pytest.mark.parametrize("channel,status", [
    ("a", 201), ("x" * CHANNEL_BYTES_MAX, 201), ("x" * (CHANNEL_BYTES_MAX + 1), 400), ("has space", 400),
    ("微信", 400), ("a/b", 400), ("", 400), ("<script>", 400)])
def test_channel_rules(merchant, channel, status):
    c, _, _ = merchant
    r = c.post("/v1/links", {"target_url": "https://example.com/", "channel": channel})
    assert r.status == status, r
    if status == 400:
        assert r.json["error"]["field"] == "channel"


def test_expiry_rules(merchant):
    c, _, _ = merchant
    now = datetime.now(timezone.utc)
    past = c.post("/v1/links", {"target_url": "https://example.com/", "expires_at": rfc3339(now - timedelta(seconds=5))})
    assert past.status == 400 and past.json["error"]["field"] == "expires_at"
    assert past.json["error"]["code"] == "out_of_range"
    bad = c.post("/v1/links", {"target_url": "https://example.com/", "expires_at": "tomorrow"})
    assert bad.status == 400 and bad.json["error"]["code"] == "invalid_value"
    future = c.post("/v1/links", {"target_url": "https://example.com/", "expires_at": rfc3339(now + timedelta(days=1))})
    assert future.status == 201 and future.json["expires_at"].endswith("Z")
    patch_past = c.patch(f"/v1/links/{future.json['code']}", {"expires_at": rfc3339(now - timedelta(days=1))})
    assert patch_past.status == 400


def test_bad_bodies(merchant):
    c, _, _ = merchant
    assert c.post("/v1/links", {}).json["error"]["code"] == "missing_field"
    assert c.post("/v1/links", {"target_url": 5}).json["error"]["code"] == "invalid_type"
    assert c.post("/v1/links", {"target_url": "https://a.example/", "color": 1}).json["error"]["code"] == "unknown_field"
    r = c.request("POST", "/v1/links", raw=b"\xff\xfe garbage", headers={"Content-Type": "application/json"})
    assert r.status == 400


def test_redirect_is_302_and_expired_is_410_page(merchant, anon):
    c, _, _ = merchant
    l = link(c, "https://example.com/landing?a=1&b=2")
    r = anon.get(f"/R/{l['code']}")
    assert r.status == 302 and r.header("Location") == "https://example.com/landing?a=1&b=2"
    soon = datetime.now(timezone.utc) + timedelta(milliseconds=1500)
    e = link(c, expires_at=rfc3339(soon))
    assert anon.get(f"/R/{e['code']}").status == 302
    time.sleep(max(0.0, (soon - datetime.now(timezone.utc)).total_seconds()) + 0.3)
    gone = anon.get(f"/R/{e['code']}", headers=HTML)
    assert gone.status == 410
    assert gone.header("Content-Type").startswith("text/html")
    assert gone.header("Location") is None


def forgiving_variants(code):
    """The code as people type it: lower case, and O for 0, I or L for 1 where it has them."""
    out = {code.lower(), code.lower().capitalize()}
    if "0" in code:
        out.add(code.replace("0", "O"))
        out.add(code.replace("0", "o"))
    if "1" in code:
        out.add(code.replace("1", "I"))
        out.add(code.replace("1", "l"))
    return out


def codes_with_lookalikes(make, tries=40):
    """Makes codes until one holds a 0 and one holds a 1 (about a third of codes do)."""
    found = {}
    for _ in range(tries):
        code = make()
        for digit in "01":
            if digit in code and digit not in found:
                found[digit] = code
        if len(found) == 2:
            break
    return list(found.values()) or [make()]


def test_forgiving_codes_on_every_route(server, merchant, anon):
    c, _, _ = merchant
    products = codes_with_lookalikes(lambda: product(c)["code"])
    links = codes_with_lookalikes(lambda: link(c)["code"])
    store = c.get("/v1/merchant").json["code"]
    for code in products:
        for v in forgiving_variants(code):
            for prefix in ("P", "Q", "p", "q"):
                r = anon.get(f"/{prefix}/{v}", headers=HTML)
                assert r.status == 200, (prefix, v, r)
                assert f"/P/{code}" in r.text  # the canonical link
            assert anon.get(f"/qr/{v}.svg").status == 200
    for code in links:
        for v in forgiving_variants(code):
            for prefix in ("R", "Q", "r"):
                assert anon.get(f"/{prefix}/{v}").status == 302, (prefix, v)
    for v in forgiving_variants(store):
        for prefix in ("S", "Q", "s"):
            assert anon.get(f"/{prefix}/{v}", headers=HTML).status == 200


def test_codes_only_open_on_their_own_route(merchant, anon):
    c, _, _ = merchant
    p, l = product(c)["code"], link(c)["code"]
    store = c.get("/v1/merchant").json["code"]
    assert anon.get(f"/R/{p}", headers=HTML).status == 404
    assert anon.get(f"/S/{p}", headers=HTML).status == 404
    assert anon.get(f"/P/{l}", headers=HTML).status == 404
    assert anon.get(f"/P/{store}", headers=HTML).status == 404


MALFORMED = ["ZZZZZZ", "UUUUUU", "ABCDE", "ABCDEFG", "A" * 100, "%00%01", "..", "A-B-C-D-E-F-G", "%E4%BA%92"]


@pytest.mark.parametrize("prefix", ["P", "S", "R", "Q", "H"])
@pytest.mark.parametrize("code", MALFORMED)
def test_unknown_and_malformed_codes(anon, prefix, code):
    page = anon.get(f"/{prefix}/{code}", headers=HTML)
    assert page.status == 404, page
    assert page.header("Content-Type").startswith("text/html")
    assert "<h1>" in page.text
    api = anon.get(f"/{prefix}/{code}", headers=JSON)
    assert api.status == 404, api
    assert api.header("Content-Type") == "application/json"
    assert api.json["error"]["code"] == "not_found"


def test_hyphenated_code_is_forgiven(merchant, anon):
    c, _, _ = merchant
    code = product(c)["code"]
    assert anon.get(f"/P/{code[:3]}-{code[3:]}", headers=HTML).status == 200


def test_draft_and_archived_products(merchant, anon):
    c, _, _ = merchant
    draft = product(c, status="draft")
    assert anon.get(f"/P/{draft['code']}", headers=HTML).status == 404
    gone = product(c)
    c.post(f"/v1/products/{gone['id']}/archive")
    r = anon.get(f"/P/{gone['code']}", headers=HTML)
    assert r.status == 410 and r.header("Content-Type").startswith("text/html")
