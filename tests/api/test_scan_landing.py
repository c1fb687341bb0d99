"""The landing pages and what they record: every client class of the reference User-Agents gets
its landing and is counted under its name; statistics by source, channel and day; the desktop
hand-off with its long-poll; robots.txt and the sitemap; escaping of hostile titles."""
import html
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from conftest import ROOT, Server
from scan_helpers import HAVE_RSVG, HAVE_ZBAR, db_execute, decode_svg, inline_svg, link, now_ms, product, stats

REFERENCE = os.path.join(ROOT, "..", "shared", "reference", "user-agents.tsv")
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            " Version/17.0 Mobile/15E148 Safari/604.1")
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
             " Mobile/15E148 MicroMessenger/8.0.43(0x18002b2c) NetType/WIFI Language/zh_CN")
# A landing is small: the in-app page with its share box, or the desktop page with its QR.
PAGE_BYTES_MAX = 32 * 1024
IN_APP = {"wechat", "wechat_desktop", "wechat_miniprogram", "wecom", "alipay", "taobao", "tmall", "dingtalk",
          "douyin", "tiktok", "bytedance", "feishu", "lark", "qq", "weibo"}
HANDOFF_WAIT_S_MAX = 25  # api/share.c


def reference_rows():
    if not os.path.exists(REFERENCE):
        return []
    rows = []
    with open(REFERENCE, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cls, ua = line.rstrip("\n").split("\t", 1)
            rows.append((cls, ua))
    return rows


ROWS = reference_rows()


def today():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def shop(server):
    mid, key = server.new_merchant("Landing Shop")
    c = server.client(key)
    yield c
    c.close()


@pytest.mark.skipif(not ROWS, reason="shared/reference/user-agents.tsv is not beside the repository")
@pytest.mark.parametrize("index", range(len(ROWS)), ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_every_reference_client_gets_its_landing_and_is_counted(shop, anon, index):
    cls, ua = ROWS[index]
    p = product(shop, title=f"青花瓷杯 Cup for {cls}")
    r = anon.get(f"/P/{p['code']}", headers={"User-Agent": ua, **HTML})
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/html")
    assert len(r.body) <= PAGE_BYTES_MAX
    page = r.text
    assert f'class="client-{cls}' in page or f"client-{cls}" in page
    assert "Cup for" in page and "¥19.90" in page
    if cls == "bot":
        assert re.search(r'<meta property="og:title" content="[^"]*Cup for bot', page)
        assert 'property="og:url"' in page and 'name="twitter:card"' in page
        assert 'class="buy"' not in page and "data-handoff-product" not in page
    else:
        assert '<form class="buy"' in page  # works without JavaScript: a plain form
        main = re.search(r"<main.*?</main>", page, re.S).group(0)
        assert "<script" not in main  # the content needs no script; app.js only enhances
    # Desktops get the hand-off: the two desktop classes, and apps that also run on a desktop
    # OS (Feishu on a Mac) when the User-Agent says so.
    on_desktop_os = re.search(r"Windows NT|Macintosh|X11|CrOS", ua) and "Mobile" not in ua
    if cls in ("desktop_browser", "wechat_desktop") or (cls != "bot" and on_desktop_os):
        assert f'data-handoff-product="{p["code"]}"' in page
    elif cls != "bot":
        assert "data-handoff-product" not in page
    if cls.startswith("wechat"):
        chips = re.findall(r'<span class="chip">([^<]*)</span>', page)
        assert "微信支付" in chips and "支付宝" not in chips
    if cls in ("alipay", "taobao"):
        chips = re.findall(r'<span class="chip">([^<]*)</span>', page)
        assert "支付宝" in chips and "微信支付" not in chips
    if cls in IN_APP:
        assert not re.search(r"下载|download", page, re.I), "in-app pages never show a download wall"
    if cls in ("wechat", "alipay", "taobao"):
        hint = re.search(r'<p class="hint open-in-browser">(.*?)</p>', page, re.S)
        assert hint and "浏览器" in hint.group(1) and "data-copy=\"￥" in hint.group(1)
    s = stats(shop, p["code"])
    assert s["total"] == 1
    assert s["by_client"][cls] == 1
    assert sum(s["by_client"].values()) == 1
    assert s["by_source"] == {"link": 1}


def test_stats_by_source_channel_and_day(server, shop, anon):
    p = product(shop)
    code = p["code"]
    anon.get(f"/P/{code}", headers={"User-Agent": PHONE_UA})
    anon.get(f"/P/{code}?ch=wx_group", headers={"User-Agent": PHONE_UA})
    anon.get(f"/Q/{code}", headers={"User-Agent": WECHAT_UA})
    anon.get(f"/q/{code.lower()}?ch=poster-1", headers={"User-Agent": WECHAT_UA})
    anon.get(f"/P/{code}?ch=bad%20channel", headers={"User-Agent": DESKTOP_UA})  # not a tag: no channel
    token = shop.post(f"/v1/products/{p['id']}/share", {}).json["token"]
    assert anon.post("/v1/tokens/resolve", {"text": token}, headers={"User-Agent": PHONE_UA}).status == 200
    s = stats(shop, code)
    assert s["kind"] == "product" and s["total"] == 6
    assert s["by_source"] == {"link": 3, "qr": 2, "token": 1}
    assert s["by_channel"] == {"none": 4, "wx_group": 1, "poster-1": 1}
    assert s["by_client"]["ios_browser"] == 3 and s["by_client"]["wechat"] == 2
    assert s["by_client"]["desktop_browser"] == 1
    assert s["by_os"]["ios"] == 5 and s["by_os"]["linux"] == 1
    assert s["by_day"] == [{"date": today(), "count": 6}]
    # A range that ends before today counts nothing.
    empty = stats(shop, code, to="2020-01-02T00:00:00Z")
    assert empty["total"] == 0


def test_link_and_store_stats(shop, anon):
    l = link(shop, channel="newsletter")
    anon.get(f"/R/{l['code']}")  # the link's own channel
    anon.get(f"/R/{l['code']}?ch=sms")  # ?ch= wins
    anon.get(f"/Q/{l['code']}")
    s = stats(shop, l["code"])
    assert s["kind"] == "link" and s["total"] == 3
    assert s["by_source"] == {"link": 2, "qr": 1}
    assert s["by_channel"] == {"newsletter": 2, "sms": 1}
    store = shop.get("/v1/merchant").json["code"]
    before = stats(shop, store)["total"]
    anon.get(f"/S/{store}", headers={"User-Agent": PHONE_UA})
    anon.get(f"/Q/{store}", headers={"User-Agent": PHONE_UA})
    after = stats(shop, store)
    assert after["kind"] == "store" and after["total"] == before + 2


def test_stats_range_errors(shop):
    p = product(shop)
    assert shop.get(f"/v1/links/{p['code']}/stats?from=yesterday").status == 400
    r = shop.get(f"/v1/links/{p['code']}/stats?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z")
    assert r.status == 400 and r.json["error"]["code"] == "out_of_range"
    assert shop.get("/v1/links/ZZZZZZ/stats").status == 404


def poll(anon_port, handoff_id, wait_s, out):
    from conftest import Client
    c = Client(anon_port)
    started = time.monotonic()
    r = c.get(f"/v1/handoffs/{handoff_id}?wait={wait_s}")
    out["status"], out["body"], out["done_at"] = r.status, r.json, time.monotonic()
    out["elapsed"] = out["done_at"] - started
    c.close()


@pytest.fixture(scope="module")
def slow_recheck_server():
    """A server whose held long-polls look again only once a minute on their own, so that a poll
    answering before its deadline was woken by the change itself, whatever the machine's speed."""
    s = Server(extra_env={"HUTONG_LONG_POLL_RECHECK_MS": "60000"}).start()
    yield s
    s.assert_clean_exit()


def held_long_polls(server):
    c = server.client()
    text = c.get("/metrics").text
    c.close()
    return int(re.search(r"^hutong_http_long_polls_held (\d+)$", text, re.M).group(1))


def wait_until_held(server, count):
    for _ in range(200):  # bounded: 10 s
        if held_long_polls(server) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} long-poll(s) held")


def test_desktop_handoff_completes_from_a_second_client(slow_recheck_server):
    server = slow_recheck_server
    shop, anon = server.client(server.new_merchant()[1]), server.client()
    p = product(shop, title="Hand-off tea")
    desktop = anon.get(f"/P/{p['code']}", headers={"User-Agent": DESKTOP_UA, **HTML})
    assert f'data-handoff-product="{p["code"]}"' in desktop.text
    r = anon.post("/v1/handoffs", {"product_code": p["code"].lower(), "quantity": 2})
    assert r.status == 201, r
    h = r.json
    assert h["status"] == "pending" and len(h["id"]) == 16  # 80 bits
    assert h["qr_text"] == f"HTTP://127.0.0.1:{server.port}/H/{h['id']}"
    expires = datetime.strptime(h["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert abs(expires.timestamp() - time.time() - 600) < 30  # ten minutes
    result = {}
    waiter = threading.Thread(target=poll, args=(server.port, h["id"], HANDOFF_WAIT_S_MAX, result))
    waiter.start()
    wait_until_held(server, 1)
    phone = server.client()
    page = phone.get(h["qr_text"][len(f"HTTP://127.0.0.1:{server.port}"):], headers={"User-Agent": PHONE_UA, **HTML})
    assert page.status == 200 and "Hand-off tea" in page.text
    assert 'value="2"' in page.text  # the quantity travels with the hand-off
    waiter.join(timeout=HANDOFF_WAIT_S_MAX + 10)
    assert not waiter.is_alive()
    # Without the claim's wake-up the poll would have been looked at again only at its deadline,
    # and answered "pending" then.
    assert result["status"] == 200 and result["body"]["status"] == "claimed"
    again = phone.get(f"/H/{h['id']}", headers={"User-Agent": PHONE_UA, **HTML})
    assert again.status == 410 and again.header("Content-Type").startswith("text/html")
    assert anon.get(f"/v1/handoffs/{h['id']}").json["status"] == "claimed"
    assert stats(shop, p["code"])["by_source"].get("handoff") == 1
    for c in (phone, shop, anon):
        c.close()


def test_many_handoff_polls_each_woken_by_its_own_claim(slow_recheck_server):
    """Claims racing with polls that are being held, re-run or answered: none is missed."""
    server = slow_recheck_server
    shop, anon = server.client(server.new_merchant()[1]), server.client()
    p = product(shop)
    ids = [anon.post("/v1/handoffs", {"product_code": p["code"]}).json["id"] for _ in range(12)]
    results = [{} for _ in ids]
    waiters = [threading.Thread(target=poll, args=(server.port, i, HANDOFF_WAIT_S_MAX, r))
               for i, r in zip(ids, results)]
    for w in waiters:
        w.start()
    phone = server.client()
    for i in ids:  # claimed while the polls are still arriving
        assert phone.get(f"/H/{i}", headers={"User-Agent": PHONE_UA, **HTML}).status == 200
    for w in waiters:
        w.join(timeout=HANDOFF_WAIT_S_MAX + 10)
        assert not w.is_alive()
    assert [r["body"]["status"] for r in results] == ["claimed"] * len(ids)
    for c in (phone, shop, anon):
        c.close()


def test_handoff_poll_times_out_pending(slow_recheck_server):
    """A poll ends at its own deadline even when the server's recheck interval is longer."""
    anon = slow_recheck_server.client()
    shop = slow_recheck_server.client(slow_recheck_server.new_merchant()[1])
    p = product(shop)
    h = anon.post("/v1/handoffs", {"product_code": p["code"]}).json
    started = time.monotonic()
    r = anon.get(f"/v1/handoffs/{h['id']}?wait=1")
    assert r.status == 200 and r.json["status"] == "pending"
    assert 0.9 <= time.monotonic() - started < 30  # the server's own recheck would come at 60 s
    assert anon.get(f"/v1/handoffs/{h['id']}?wait={HANDOFF_WAIT_S_MAX + 1}").status == 400
    assert anon.get(f"/v1/handoffs/{h['id']}?wait=-1").status == 400
    anon.close()
    shop.close()


def test_expired_and_unknown_handoffs(server, shop, anon):
    p = product(shop)
    h = anon.post("/v1/handoffs", {"product_code": p["code"]}).json
    db_execute(server, "UPDATE handoffs SET expires_at_ms = ? WHERE id = ?", (now_ms() - 1000, h["id"]))
    assert anon.get(f"/v1/handoffs/{h['id']}").json["status"] == "expired"
    page = anon.get(f"/H/{h['id']}", headers={"User-Agent": PHONE_UA, **HTML})
    assert page.status == 410 and "<h1>" in page.text
    unknown = anon.get("/H/" + "Z" * 16, headers=HTML)
    assert unknown.status in (404, 410) and unknown.header("Content-Type").startswith("text/html")
    assert anon.get("/v1/handoffs/" + "Z" * 16).status == 404
    assert anon.post("/v1/handoffs", {"product_code": "ZZZZZZ"}).status == 404
    assert anon.post("/v1/handoffs", {"product_code": p["code"], "quantity": 0}).status == 400
    assert anon.post("/v1/handoffs", {"product_code": p["code"], "quantity": 100}).status == 400


@pytest.mark.skipif(not (HAVE_ZBAR and HAVE_RSVG), reason="zbarimg and rsvg-convert are needed")
def test_desktop_page_and_handoff_qr_codes_decode(server, shop, anon):
    p = product(shop)
    page = anon.get(f"/P/{p['code']}", headers={"User-Agent": DESKTOP_UA, **HTML}).text
    svg = inline_svg(page)
    assert svg, "the desktop page carries its QR inline"
    assert decode_svg(svg) == [f"HTTP://127.0.0.1:{server.port}/Q/{p['code']}"]
    h = anon.post("/v1/handoffs", {"product_code": p["code"]}).json
    assert decode_svg(h["qr_svg"]) == [h["qr_text"]]


def test_robots_and_sitemap(server, shop, anon):
    active, draft, gone = product(shop), product(shop, status="draft"), product(shop)
    shop.post(f"/v1/products/{gone['id']}/archive")
    r = anon.get("/robots.txt")
    assert r.status == 200 and r.header("Content-Type").startswith("text/plain")
    for line in ("User-agent: *", "Allow: /P/", "Disallow: /v1/", "Disallow: /H/",
                 f"Sitemap: http://127.0.0.1:{server.port}/sitemap.xml"):
        assert line in r.text
    sm = anon.get("/sitemap.xml")
    assert sm.status == 200 and sm.header("Content-Type").startswith("application/xml")
    root = ET.fromstring(sm.body)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.findall("s:url/s:loc", ns)]
    base = f"http://127.0.0.1:{server.port}/P/"
    assert base + active["code"] in locs
    assert base + draft["code"] not in locs and base + gone["code"] not in locs
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", e.text) for e in root.findall("s:url/s:lastmod", ns))


XSS = "<script>alert(1)</script>"


def test_hostile_title_is_escaped_on_every_page(server, shop, anon):
    p = product(shop, title=XSS, description='"><img src=x onerror=alert(2)>')
    token = shop.post(f"/v1/products/{p['id']}/share", {}).json["token"]
    h = anon.post("/v1/handoffs", {"product_code": p["code"]}).json
    store = shop.get("/v1/merchant").json["code"]
    _, named_key = server.new_merchant(XSS)
    named = server.client(named_key)
    named_store = named.get("/v1/merchant").json["code"]
    named_product = product(named, title="plain")["code"]
    named.close()
    pages = [(f"/P/{p['code']}", ua) for ua in (DESKTOP_UA, PHONE_UA, WECHAT_UA, "facebookexternalhit/1.1")]
    pages += [(f"/Q/{p['code']}", PHONE_UA), (f"/S/{store}", PHONE_UA), (f"/H/{h['id']}", PHONE_UA),
              (f"/P/{p['code']}?src=token&ch=x", PHONE_UA), ("/t?text=" + quote(XSS), PHONE_UA),
              (f"/S/{named_store}", PHONE_UA), (f"/P/{named_product}", DESKTOP_UA)]
    for path, ua in pages:
        r = anon.get(path, headers={"User-Agent": ua, **HTML})
        assert r.status in (200, 404), (path, r)
        assert XSS not in r.text, path
        assert "<img src=x" not in r.text, path
        if path.startswith(("/P/", "/Q/", "/H/")):
            assert html.escape(XSS, quote=False) in r.text or "&lt;script&gt;" in r.text, path
    resolved = anon.post("/v1/tokens/resolve", {"text": token}).json
    assert resolved["product"]["title"] == XSS  # JSON carries it verbatim; pages escape it
