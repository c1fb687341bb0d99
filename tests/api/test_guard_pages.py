"""The link guard on our pages: the /go interstitial (allow → 302, warn → a warning page whose
continue link works only in the browser that saw it, block → a page with no way through,
signed links whose target was altered, unsigned links still checked, bad URLs, XSS, header
injection), campaign links (/R/ and /Q/ judged at click time with the verdict cached per guard
generation, so a reload takes effect; POST/PATCH /v1/links refusing blocked targets), and the
product page's http(s) app link sent through /go.

One server for the module with a feeds directory; feeds are installed with `hutong guard load`
and picked up with SIGHUP."""
import html
import os
import re
import signal
import time
import urllib.parse

import pytest

from conftest import Server
from scan_helpers import product
from web import Browser

WARN_URL = "https://taobao-secure.com/login?next=/cart"
BLOCK_URL = "http://t\u0430obao.com/"  # Cyrillic а: brand_homograph
LISTED_URL = "http://listed-for-pages.example/pay"
SIGHUP_RELOAD_S = 3


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


@pytest.fixture(scope="module")
def page_server():
    s = Server()
    s.feeds = os.path.join(s.dir, "feeds")
    s.staging = os.path.join(s.dir, "staging")
    os.makedirs(s.feeds)
    os.makedirs(s.staging)
    write(os.path.join(s.feeds, "pages.txt"), LISTED_URL + "\n")
    s.env["HUTONG_GUARD_FEEDS_DIR"] = s.feeds
    s.start()
    s.merchant_id, s.key = s.new_merchant("Pages Shop")
    yield s
    s.assert_clean_exit()


@pytest.fixture
def api(page_server):
    c = page_server.client(page_server.key)
    yield c
    c.close()


@pytest.fixture
def browser(page_server):
    return Browser(page_server.port)


def go(target, **params):
    q = {"u": target}
    q.update(params)
    return "/go?" + urllib.parse.urlencode(q)


def continue_link(page):
    m = re.search(r'<a class="btn ghost" data-guard-continue[^>]* href="([^"]+)"', page.text)
    return html.unescape(m.group(1)) if m else None


def load_and_hup(server, name, text):
    path = os.path.join(server.staging, name)
    write(path, text)
    server.cli("guard", "load", path, "--feeds-dir", server.feeds)
    server.proc.send_signal(signal.SIGHUP)


def wait_for(predicate, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


# ---- /go ----

def test_allow_redirects_without_referrer(browser):
    target = "https://item.taobao.com/item.htm?id=1&spm=a.b#reviews"
    page = browser.get(go(target))
    assert page.status == 302, page
    assert page.location == target
    assert page.header("Referrer-Policy") == "no-referrer"


def test_warn_shows_reasons_and_a_continue_link_that_works(browser):
    page = browser.get(go(WARN_URL))
    assert page.status == 200, page
    assert page.header("Referrer-Policy") == "no-referrer"
    assert "brand_lure" in page.text and "taobao-secure.com" in page.text
    assert 'name="robots" content="noindex' in page.text
    link = continue_link(page)
    assert link and link.startswith("/go?") and "&s=" in link and "&c=" in link, page
    assert "hutong_go" in browser.cookies
    through = browser.get(link)
    assert through.status == 302 and through.location == WARN_URL, through
    assert through.header("Referrer-Policy") == "no-referrer"
    # The same browser may use it again (a second tab, a back button).
    assert browser.get(link).status == 302


def test_continue_link_is_bound_to_the_browser_that_saw_the_warning(page_server, browser):
    link = continue_link(browser.get(go(WARN_URL)))
    # A phisher who fetched the warning page and sends its continue link on: the victim's
    # browser has no nonce (or another one), so it sees the warning again.
    victim = Browser(page_server.port)
    page = victim.get(link)
    assert page.status == 200 and "brand_lure" in page.text, page
    victim.get(go(WARN_URL))  # the victim now has a nonce of its own
    assert victim.get(link).status == 200
    assert victim.get(continue_link(victim.get(go(WARN_URL)))).status == 302


def test_an_unsigned_or_merely_signed_continue_does_not_pass(browser):
    link = continue_link(browser.get(go(WARN_URL)))
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert browser.get(go(WARN_URL, **{"continue": "1"})).status == 200
    assert browser.get(go(WARN_URL, s=params["s"], **{"continue": "1"})).status == 200
    assert browser.get(go(WARN_URL, s=params["s"])).status == 200
    assert browser.get(go(WARN_URL, c=params["c"])).status == 302  # c is what confirms, s is optional
    # A confirmation for one target does not pass another.
    other = "https://taobao-secure.com/other"
    assert browser.get(go(other, c=params["c"])).status == 200
    assert browser.get(go(WARN_URL, c="A" * 22)).status == 200
    assert browser.get(go(WARN_URL, c="not-a-token")).status == 200


def test_block_has_no_way_through(browser):
    for target in (BLOCK_URL, LISTED_URL, "http://taobao.com@evil.cn/"):
        page = browser.get(go(target))
        assert page.status == 403, page
        assert continue_link(page) is None and "/go?" not in page.text and "data-guard-continue" not in page.text
        assert page.header("Location") is None
    page = browser.get(go(LISTED_URL))
    assert "blocklisted" in page.text and "pages.txt" in page.text


def test_block_cannot_be_confirmed(page_server, browser):
    # Even a well-formed confirmation for a blocked target (made with the right key shape)
    # changes nothing: only warnings can be confirmed.
    assert browser.get(go(BLOCK_URL, c="A" * 22, **{"continue": "1"})).status == 403


def test_signed_link_altered_or_forged_is_blocked(browser):
    link = continue_link(browser.get(go(WARN_URL)))
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    altered = browser.get(go("https://www.example.com/", s=params["s"]))
    assert altered.status == 403 and "signature_invalid" in altered.text, altered
    assert browser.get(go("https://www.example.com/", s="B" * 22)).status == 403
    assert browser.get(go("https://www.example.com/", s="x")).status == 403
    assert browser.get(go("https://www.example.com/", s="")).status == 403


def test_signed_link_of_our_pages_passes(page_server, api, browser):
    # The product page's https app link is an outbound link our page signed.
    p = product(api)
    page_server.execute("UPDATE merchants SET app_link = ? WHERE id = ?",
                        "https://app.pages-shop.example/open?code={code}", page_server.merchant_id)
    iphone = Browser(page_server.port, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                     "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
    landing = iphone.get(f"/P/{p['code']}")
    assert landing.status == 200, landing
    m = re.search(r'href="(/go\?u=[^"]+)" data-app-link="(/go\?u=[^"]+)"', landing.text)
    assert m, landing.text[-3000:]
    link = html.unescape(m.group(1))
    assert html.unescape(m.group(2)) == link
    assert "https://app.pages-shop.example" not in landing.text.replace("u=https%3A%2F%2Fapp", "")
    r = iphone.get(link)
    assert r.status == 302 and r.location == f"https://app.pages-shop.example/open?code={p['code']}", r


def test_custom_scheme_app_links_stay_as_they_are(page_server):
    merchant_id, key = page_server.new_merchant("Scheme Shop")
    c = page_server.client(key)
    p = product(c)
    c.close()
    page_server.execute("UPDATE merchants SET app_link = ? WHERE id = ?", "schemeshop://product/{code}",
                        merchant_id)
    android = Browser(page_server.port, user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                      "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36")
    landing = android.get(f"/P/{p['code']}")
    # html_url() writes "#" for a scheme it does not know; app.js follows data-app-link.
    assert f'data-app-link="schemeshop://product/{p["code"]}"' in landing.text, landing.text[-2000:]
    assert "/go?" not in landing.text


def test_unsigned_links_are_still_checked(browser):
    assert browser.get(go(BLOCK_URL)).status == 403
    assert browser.get(go(WARN_URL)).status == 200
    assert browser.get(go("https://www.example.com/a")).status == 302


BAD = ["", " ", "ftp://example.com/", "javascript:alert(1)", "data:text/html,x", "http://xn--/",
       "http://example.com/\x01", "https://example.com/" + "a" * 8200, "//evil.example/"]


@pytest.mark.parametrize("target", BAD)
def test_bad_targets_are_a_400_page(browser, target):
    page = browser.get(go(target))
    assert page.status == 400, page
    assert page.header("Content-Type").startswith("text/html")
    assert page.header("Location") is None


def test_bad_query_bytes(browser):
    for path in ("/go", "/go?s=abc", "/go?u=http%3A%2F%2Fa%FF.example%2F", "/go?u=%C0%AF",
                 "/go?u=http%3A%2F%2Fexample.com%2F%00"):
        page = browser.get(path)
        assert page.status == 400, (path, page)


def test_xss_in_the_target_renders_inert(browser):
    payloads = ['https://taobao-secure.com/"><script>alert(1)</script>',
                "https://taobao-secure.com/'onmouseover='alert(1)",
                "https://taobao-secure.com/</code><img src=x onerror=alert(1)>"]
    for target in payloads:
        page = browser.get(go(target))
        assert page.status == 200, page
        assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
        assert "onmouseover='alert" not in page.text
        link = continue_link(page)
        assert link and browser.get(link).location == target


def test_header_injection_in_the_target(browser):
    page = browser.get("/go?u=" + urllib.parse.quote("https://www.example.com/a\r\nSet-Cookie: pwned=1\r\n", safe=""))
    assert page.status == 302, page
    assert page.location == "https://www.example.com/aSet-Cookie: pwned=1"
    assert not [v for v in page.headers_named("Set-Cookie") if "pwned" in v]
    # Leading and trailing spaces and controls trimmed, as a browser reads the URL; a URL without
    # a scheme gets the http:// the guard assumed.
    assert browser.get(go("  https://www.example.com/b\t ")).location == "https://www.example.com/b"
    assert browser.get(go("www.example.com/c")).location == "http://www.example.com/c"


# ---- campaign links ----

def test_links_api_refuses_blocked_targets(api):
    for target in (BLOCK_URL, LISTED_URL, "http://taobao.com@evil.cn/x"):
        r = api.post("/v1/links", {"target_url": target})
        assert r.status == 422, r
        err = r.json["error"]
        assert err["code"] == "target_blocked" and err["field"] == "target_url"
        assert err["verdict"] == "block" and err["reasons"] and err["reasons"][0]["severity"] == "block"


def test_links_api_accepts_warned_targets_with_the_verdict(api):
    r = api.post("/v1/links", {"target_url": WARN_URL})
    assert r.status == 201, r
    assert r.json["guard"]["verdict"] == "warn"
    assert [x["code"] for x in r.json["guard"]["reasons"]] == ["brand_lure"]
    r = api.post("/v1/links", {"target_url": "https://www.example.com/sale"})
    assert r.status == 201 and r.json["guard"] == {"verdict": "allow", "reasons": []}


def test_links_api_patch_is_checked_too(api):
    code = api.post("/v1/links", {"target_url": "https://www.example.com/one"}).json["code"]
    r = api.patch(f"/v1/links/{code}", {"target_url": BLOCK_URL})
    assert r.status == 422 and r.json["error"]["code"] == "target_blocked", r
    assert api.get(f"/v1/links/{code}").json["target_url"] == "https://www.example.com/one"
    r = api.patch(f"/v1/links/{code}", {"target_url": WARN_URL})
    assert r.status == 200 and r.json["guard"]["verdict"] == "warn", r
    r = api.patch(f"/v1/links/{code}", {"channel": "wx"})  # the target is not changed, and shown as judged now
    assert r.status == 200 and r.json["guard"]["verdict"] == "warn", r
    assert api.get(f"/v1/links/{code}").json["guard"]["verdict"] == "warn"
    listed = [x for x in api.get("/v1/links?limit=100").json["data"] if x["code"] == code]
    assert listed[0]["guard"]["verdict"] == "warn"


def test_links_api_refuses_targets_the_guard_cannot_check(api):
    r = api.post("/v1/links", {"target_url": "http://xn--zz.com/"})
    assert r.status == 400 and r.json["error"]["code"] == "invalid_url", r
    assert "url_invalid_punycode" in r.json["error"]["message"]


def test_redirect_allow_warn(api, browser):
    ok = api.post("/v1/links", {"target_url": "https://www.example.com/spring"}).json
    r = browser.get(f"/R/{ok['code']}")
    assert r.status == 302 and r.location == "https://www.example.com/spring"
    warned = api.post("/v1/links", {"target_url": WARN_URL}).json
    page = browser.get(f"/R/{warned['code']}")
    assert page.status == 200 and "brand_lure" in page.text, page
    link = continue_link(page)
    assert link and browser.get(link).location == WARN_URL
    scan = browser.get(f"/Q/{warned['code']}")
    assert scan.status == 200 and continue_link(scan)


def test_reload_takes_effect_on_redirects(page_server, api, browser):
    """/R/ caches the verdict per guard generation: a reload that lists the target blocks the
    next click, and one that drops it lets the next click through."""
    target = "http://listed-later-for-r.example/promo"
    code = api.post("/v1/links", {"target_url": target}).json["code"]
    for _ in range(3):  # cached allow
        assert browser.get(f"/R/{code}").status == 302
    load_and_hup(page_server, "later.txt", target + "\n")
    assert wait_for(lambda: browser.get(f"/R/{code}").status == 403, SIGHUP_RELOAD_S)
    page = browser.get(f"/R/{code}")
    assert "blocklisted" in page.text and continue_link(page) is None and page.location is None
    assert browser.get(f"/Q/{code}").status == 403
    load_and_hup(page_server, "later.txt", "# nothing listed any more\n")
    assert wait_for(lambda: browser.get(f"/R/{code}").status == 302, SIGHUP_RELOAD_S)
    assert browser.get(f"/R/{code}").location == target


def test_a_changed_target_is_judged_afresh(api, browser):
    code = api.post("/v1/links", {"target_url": "https://www.example.com/first"}).json["code"]
    assert browser.get(f"/R/{code}").status == 302
    api.patch(f"/v1/links/{code}", {"target_url": WARN_URL})
    assert browser.get(f"/R/{code}").status == 200


def test_a_stored_target_listed_after_creation_blocks(page_server, api, browser):
    # A target that became dangerous after the link was made, written behind the API's back.
    code = api.post("/v1/links", {"target_url": "https://www.example.com/fine"}).json["code"]
    page_server.execute("UPDATE links SET target_url = ? WHERE code = ?", BLOCK_URL, code)
    got = api.get(f"/v1/links/{code}").json
    assert got["guard"]["verdict"] == "block" and got["guard"]["reasons"][0]["code"] == "brand_homograph"
    page = Browser(page_server.port).get(f"/R/{code}")
    # The row cache may still hold the old target for up to a minute on this node; either the
    # old target's 302 or the block page, never a redirect to the blocked target.
    assert (page.status == 302 and page.location == "https://www.example.com/fine") or page.status == 403, page


@pytest.mark.parametrize("channel", [None, "wx"])
def test_cached_redirects_carry_the_exact_target(api, browser, channel):
    # Regression: a link read from the code cache handed its packed row's bytes to the Location
    # header as a C string, so warm redirects carried the bytes after the target ("...promoÿÿÿÿ").
    body = {"target_url": "https://www.example.com/warm?x=1"}
    if channel:
        body["channel"] = channel
    code = api.post("/v1/links", body).json["code"]
    for _ in range(4):
        r = browser.get(f"/R/{code}")
        assert r.status == 302 and r.location == "https://www.example.com/warm?x=1", r.location
