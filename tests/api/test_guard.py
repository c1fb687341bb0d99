"""The link guard over HTTP and on the command line: POST /v1/guard/check (one URL or a batch),
every class of bad input, the built-in brands' verdicts, feeds loaded from a directory
(PhishTank CSV and JSON, URLhaus CSV, plain text), reloads by the scheduler's change check and
by SIGHUP that never show a half-loaded list, a broken feed that keeps the old list, verified
merchant domains and configured ones, and `hutong guard check|load` giving the API's answers.

One server for the module, started with its own feeds directory. Feed files are installed
with `hutong guard load` (write, fsync, rename), as an operator would."""
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from conftest import BIN, Server

URL_BYTES_MAX = 8192  # core/url_canon.h URL_CANON_INPUT_BYTES_MAX
BATCH_URLS_MAX = 1000  # core/guard.h GUARD_BATCH_URLS_MAX
BODY_BYTES_MAX = 1000 * (8192 + 16) + 4096  # api/api.h API_GUARD_BODY_BYTES_MAX
ANSWER_BYTES_MAX = 4 * 1024 * 1024  # api/api.h API_GUARD_ANSWER_BYTES_MAX
# The scheduler looks at the feeds directory every 5 s (jobs/scheduler.c GUARD_FEEDS_CHECK_MS);
# a change must show within that plus a tick and a reload.
SCHEDULER_RELOAD_S = 12
# SIGHUP reloads at once; a small list loads in milliseconds.
SIGHUP_RELOAD_S = 3
CONFIGURED_DOMAIN = "guardedbrand.cn"

PHISHTANK_CSV = (
    "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"
    "9100001,http://pt-csv.example/login.php?a=1,http://www.phishtank.com/phish_detail.php?phish_id=9100001,"
    "2024-01-02T03:04:05+00:00,yes,2024-01-02T04:00:00+00:00,yes,Other\n"
    "9100002,\"http://pt-csv-quoted.example/a,b/c.html\",http://www.phishtank.com/phish_detail.php?phish_id=9100002,"
    "2024-01-02T03:04:05+00:00,yes,2024-01-02T04:00:00+00:00,yes,\"Alipay, Inc.\"\n"
    "9100003,http://pt-csv-unverified.example/,http://www.phishtank.com/phish_detail.php?phish_id=9100003,"
    "2024-01-02T03:04:05+00:00,no,,yes,Other\n")
PHISHTANK_JSON = json.dumps([
    {"phish_id": 9200001, "url": "https://pt-json.example/member/login.jhtml?redirect=1", "verified": "yes",
     "online": "yes", "target": "Other"},
    {"phish_id": 9200002, "url": "http://pt-json-offline.example/", "verified": "yes", "online": "no"},
])
URLHAUS_CSV = (
    "################################################################\n"
    "# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #\n"
    "# Last updated: 2024-03-01 12:00:00 (UTC)                      #\n"
    "################################################################\n"
    "#\n"
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
    "\"9300001\",\"2024-03-01 11:59:01\",\"http://uh-csv.example:8080/bins/mips\",\"online\","
    "\"2024-03-01 11:59:01\",\"malware_download\",\"elf,mirai\",\"https://urlhaus.abuse.ch/url/9300001/\",\"r1\"\n")
PLAIN = "# one URL a line\nhttp://plain-page.example/phish/login.html\n\nwhole-site.example\n"

LISTED = [
    ("http://pt-csv.example/login.php?a=1", "phishtank.csv"),
    ("http://pt-csv-quoted.example/a,b/c.html", "phishtank.csv"),
    ("https://pt-json.example/member/login.jhtml?redirect=1", "phishtank.json"),
    ("http://uh-csv.example:8080/bins/mips", "urlhaus.csv"),
    ("http://plain-page.example/phish/login.html", "plain.txt"),
    ("https://whole-site.example/any/page?x=1", "plain.txt"),  # a listed host covers every page
    ("http://www.whole-site.example/", "plain.txt"),  # ... and its subdomains
]
NOT_LISTED = [
    "http://pt-csv-unverified.example/",  # verified=no
    "http://pt-json-offline.example/",  # online=no
    "http://plain-page.example/other.html",  # a listed page covers only that page
    "https://uh-csv.example/",
]


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


@pytest.fixture(scope="module")
def guard_server():
    s = Server(extra_env={"HUTONG_GUARD_DOMAINS": CONFIGURED_DOMAIN})
    s.feeds = os.path.join(s.dir, "feeds")
    s.staging = os.path.join(s.dir, "staging")
    os.makedirs(s.feeds)
    os.makedirs(s.staging)
    for name, text in [("phishtank.csv", PHISHTANK_CSV), ("phishtank.json", PHISHTANK_JSON),
                       ("urlhaus.csv", URLHAUS_CSV), ("plain.txt", PLAIN)]:
        write(os.path.join(s.feeds, name), text)
    s.env["HUTONG_GUARD_FEEDS_DIR"] = s.feeds
    s.start()
    _, s.key = s.new_merchant("Guard Shop")
    yield s
    s.assert_clean_exit()


@pytest.fixture
def api(guard_server):
    c = guard_server.client(guard_server.key)
    yield c
    c.close()


def check(c, url):
    r = c.post("/v1/guard/check", {"url": url})
    assert r.status == 200, r
    return r.json


def check_many(c, urls):
    r = c.post("/v1/guard/check", {"urls": urls})
    assert r.status == 200, r
    return r.json["results"]


def codes(result):
    return [reason["code"] for reason in result["reasons"]]


def load_feed(server, name, text):
    """Writes a feed into the staging directory and installs it with `hutong guard load`."""
    path = os.path.join(server.staging, name)
    write(path, text)
    r = server.cli("guard", "load", path, "--feeds-dir", server.feeds)
    return r.stdout.decode()


def wait_for(predicate, timeout_s, interval_s=0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def hup(server):
    server.proc.send_signal(signal.SIGHUP)


# ---- the endpoint: shape, batches, bad input, auth ----

def test_single_url_shape(api):
    r = check(api, "https://item.taobao.com/item.htm?id=1#frag")
    assert r == {"url": "https://item.taobao.com/item.htm?id=1#frag", "verdict": "allow", "reasons": [],
                 "canonical_url": "https://item.taobao.com/item.htm?id=1", "registrable_domain": "taobao.com"}


def test_canonical_form_follows_safe_browsing(api):
    # Examples of the Safe Browsing v4 canonicalization section.
    cases = {
        "http://host/%25%32%35": "http://host/%25",
        "http://www.GOOgle.com/": "http://www.google.com/",
        "http://3279880203/blah": "http://195.127.0.11/blah",
        "http://www.google.com/blah/..": "http://www.google.com/",
        "www.google.com/": "http://www.google.com/",
        "http://www.evil.com/blah#frag": "http://www.evil.com/blah",
        "http://www.google.com.../": "http://www.google.com/",
        "http://www.google.com/q?r?": "http://www.google.com/q?r?",
        "http://\x01\x80.com/": None,  # not a host a browser opens: an error, not a verdict
    }
    results = check_many(api, list(cases))
    for (url, want), got in zip(cases.items(), results):
        if want is None:
            assert "error" in got, got
        else:
            assert got["canonical_url"] == want, (url, got)


BRANDS = [
    ("https://taobao.com/", "allow", []),
    ("https://www.taobao.com/", "allow", []),
    ("https://item.taobao.com/item.htm?id=671234567890", "allow", []),
    ("https://h5.m.taobao.com/awp/core/detail.htm", "allow", []),
    ("https://www.alipay.com/", "allow", []),
    ("http://t\u0430obao.com/", "block", ["brand_homograph"]),  # Cyrillic а
    ("http://xn--tobao-4ve.com/", "block", ["brand_homograph"]),  # the same host in punycode
    ("https://taobao.com-login.cn/", "block", ["brand_embedded"]),
    ("https://taobao-secure.com/", "warn", ["brand_lure"]),
    ("https://taobaoo.com/item.htm?id=1", "warn", ["brand_typo"]),
    ("http://taobao.com@evil.cn/", "block", ["userinfo_brand"]),
    ("http://taobao.com%2F@evil.cn/", "block", ["userinfo_brand"]),
    ("http://user:pass@example.org/", "warn", ["userinfo"]),
    ("http://1.2.3.4/login", "warn", ["ip_host"]),
    ("http://0x7f.1/", "warn", ["ip_host"]),
    ("http://[2001:db8::1]/", "warn", ["ip_host"]),
]


@pytest.mark.parametrize("url,verdict,must", BRANDS, ids=[b[0] for b in BRANDS])
def test_builtin_brand_verdicts(api, url, verdict, must):
    r = check(api, url)
    assert r["verdict"] == verdict, r
    for code in must:
        assert code in codes(r), r
    if verdict == "allow":
        assert r["reasons"] == []
    for reason in r["reasons"]:
        assert reason["detail"] and reason["severity"] in ("warn", "block")
    assert r["reasons"] == sorted(r["reasons"], key=lambda x: x["severity"] != "block")


def test_batch_of_the_limit(api):
    urls = [f"https://shop{i}.example.cn/p/{i}" for i in range(BATCH_URLS_MAX - 2)]
    urls += ["http://t\u0430obao.com/", "https://taobao-secure.com/"]
    r = api.post("/v1/guard/check", {"urls": urls})
    assert r.status == 200, r
    assert r.json["object"] == "list"
    results = r.json["results"]
    assert len(results) == BATCH_URLS_MAX
    assert [x["url"] for x in results] == urls  # in order
    assert {x["verdict"] for x in results[:-2]} == {"allow"}
    assert [results[-2]["verdict"], results[-1]["verdict"]] == ["block", "warn"]


def test_answers_are_exact_json(api):
    # The answers are written as JSON text, not dumped by jansson: every echo must round-trip.
    urls = ['https://example.com/a"b\\c', "https://\u4f8b\u3048.jp/\u30d1\u30b9?q=\u5024", "http://a.example/\u2028x",
            "http://a.example/\x01\x1f", "https://taobao-secure.com/\"><x>", "https://example.com/\t/x"]
    results = check_many(api, urls)
    assert [r["url"] for r in results] == urls
    assert results[3]["error"]["code"] == "url_binary"
    assert results[1]["registrable_domain"] == "xn--r8jz45g.jp"
    assert results[4]["verdict"] == "warn" and '"' in results[4]["url"]


def test_batch_over_the_limit(api):
    r = api.post("/v1/guard/check", {"urls": ["https://example.com/"] * (BATCH_URLS_MAX + 1)})
    assert r.status == 400, r
    assert r.json["error"]["code"] == "batch_too_large" and r.json["error"]["field"] == "urls"


def test_batch_empty(api):
    r = api.post("/v1/guard/check", {"urls": []})
    assert r.status == 400 and r.json["error"]["code"] == "batch_empty", r


@pytest.mark.parametrize("body", [{}, {"url": "https://a.example/", "urls": ["https://b.example/"]},
                                  {"url": None}, {"urls": None}])
def test_exactly_one_of_url_and_urls(api, body):
    r = api.post("/v1/guard/check", body)
    assert r.status == 400, r
    assert r.json["error"]["field"] in ("url", "urls")


@pytest.mark.parametrize("body,field", [({"url": 5}, "url"), ({"url": ["x"]}, "url"), ({"urls": "x"}, "urls"),
                                        ({"urls": {"a": 1}}, "urls"), ({"link": "x"}, "link")])
def test_wrong_types(api, body, field):
    r = api.post("/v1/guard/check", body)
    assert r.status == 400, r
    assert r.json["error"]["field"] == field


def url_of_length(n):
    base = "https://example.com/"
    return base + "a" * (n - len(base))


BAD = [
    ("", "url_empty"),
    (" \t\n ", "url_empty"),
    (url_of_length(URL_BYTES_MAX + 1), "url_too_long"),
    ("http://example.com/a\x01b", "url_binary"),
    ("http://exa\x7fmple.com/", "url_binary"),
    ("ftp://example.com/file", "url_unsupported_scheme"),
    ("javascript:alert(1)", "url_unsupported_scheme"),
    ("JavaScript:alert(document.cookie)", "url_unsupported_scheme"),
    ("data:text/html,<script>alert(1)</script>", "url_unsupported_scheme"),
    ("mailto:a@example.com", "url_unsupported_scheme"),
    ("file:///etc/passwd", "url_unsupported_scheme"),
    ("http://xn--/", "url_invalid_punycode"),
    ("http://xn--abc-.com/", "url_invalid_punycode"),
    ("http://xn--zz.com/", "url_invalid_punycode"),
    ("http://", "url_no_host"),
    ("//evil.example/", "url_no_host"),
    ("http://example.com:99999/", "url_bad_port"),
    ("http://exa mple.com/", "url_invalid_host"),
    ("http://" + "a" * 250 + ".com/", "url_host_too_long"),
]


@pytest.mark.parametrize("url,code", BAD, ids=[c for _, c in BAD])
def test_bad_input_single(api, url, code):
    r = api.post("/v1/guard/check", {"url": url})
    assert r.status == 400, r
    assert r.json["error"]["code"] == code and r.json["error"]["field"] == "url", r


def test_url_length_both_sides(api):
    assert check(api, url_of_length(URL_BYTES_MAX))["verdict"] == "allow"
    r = api.post("/v1/guard/check", {"url": url_of_length(URL_BYTES_MAX + 1)})
    assert r.status == 400 and r.json["error"]["code"] == "url_too_long"


def test_bad_entries_in_a_batch_are_per_entry(api):
    urls = [u for u, _ in BAD] + ["https://taobao.com/"]
    results = check_many(api, urls)
    assert len(results) == len(urls)
    for (url, code), got in zip(BAD, results):
        assert got["error"]["code"] == code, (url, got)
        assert "verdict" not in got
    assert results[-1]["verdict"] == "allow"


def test_non_strings_in_a_batch_are_per_entry(api):
    results = check_many(api, [5, None, ["https://a.example/"], {"url": "x"}, True, "https://a.example/"])
    assert [r.get("error", {}).get("code") for r in results[:5]] == ["url_not_string"] * 5
    assert results[5]["verdict"] == "allow"


def test_invalid_utf8_is_refused_by_the_json_layer(api):
    # A NUL cannot pass JSON either (jansson refuses \u0000 without JSON_ALLOW_NUL).
    for raw in (b'{"url": "http://example.com/\\u0000"}',b'{"url": "http://a\xff.example/"}', b'{"url": "http://\xc0\xaf.example/"}',
                b'{"url": "http://a\\udc80.example/"}', b'{"urls": ["https://ok.example/", "http://\xe6\xb7.cn/"]}'):
        r = api.request("POST", "/v1/guard/check", raw=raw, headers={"Content-Type": "application/json"})
        assert r.status == 400, r
        assert r.json["error"]["code"] == "invalid_utf8", r


def test_invalid_utf8_that_reaches_the_guard(guard_server, api):
    # JSON cannot carry it, but a /go link and the command line can: the guard's own check.
    r = api.get("/go?u=http%3A%2F%2Fa%FF.example%2F", headers={"Accept": "text/html"})
    assert r.status == 400 and r.header("Content-Type").startswith("text/html"), r
    out = subprocess.run([BIN, "guard", "check", "--json", "--feeds-dir", guard_server.feeds,
                          b"http://a\xff.example/"], cwd=guard_server.dir, env=guard_server.env,
                         capture_output=True, timeout=60)
    assert out.returncode == 2
    assert json.loads(out.stdout.decode("utf-8", "replace"))["error"]["code"] == "url_invalid_utf8"


def test_answer_limit_both_sides(api):
    # A full batch of 1 KB URLs answers (about 2.1 MB); 1,000 URLs of 8 KB whose every byte
    # canonicalizes to three would answer with 32 MB: refused, never a 5xx.
    fits = [url_of_length(1024)] * BATCH_URLS_MAX
    r = api.post("/v1/guard/check", {"urls": fits})
    assert r.status == 200 and len(r.json["results"]) == BATCH_URLS_MAX, r
    assert len(r.body) <= ANSWER_BYTES_MAX
    long_url = "https://example.com/" + "\u00e9" * ((URL_BYTES_MAX - 20) // 2)
    assert len(long_url.encode()) <= URL_BYTES_MAX
    r = api.post("/v1/guard/check", {"urls": [long_url] * BATCH_URLS_MAX})
    assert r.status == 413, r
    assert r.json["error"]["code"] == "batch_too_large" and r.json["error"]["field"] == "urls"
    r = api.post("/v1/guard/check", {"urls": [url_of_length(URL_BYTES_MAX)] * BATCH_URLS_MAX})
    assert r.status == 413 and r.json["error"]["code"] == "batch_too_large", r


def test_body_limit(api):
    body = json.dumps({"urls": [url_of_length(URL_BYTES_MAX)] * BATCH_URLS_MAX}).encode()
    assert len(body) <= BODY_BYTES_MAX
    over = json.dumps({"urls": ["x" * (BODY_BYTES_MAX // 4)] * 4}).encode()
    r = api.request("POST", "/v1/guard/check", raw=over, headers={"Content-Type": "application/json"})
    assert r.status == 413, r


def test_needs_an_api_key(guard_server):
    anon = guard_server.client()
    assert anon.post("/v1/guard/check", {"url": "https://taobao.com/"}).status == 401
    assert anon.post("/v1/guard/check", {"url": "https://taobao.com/"}, key="hk_not_a_key").status == 401
    anon.close()


def test_any_merchants_key_works(guard_server):
    for name in ("Shop A", "Shop B"):
        _, key = guard_server.new_merchant(name)
        c = guard_server.client(key)
        assert check(c, "https://taobao-secure.com/")["verdict"] == "warn"
        c.close()


# ---- feeds ----

@pytest.mark.parametrize("url,source", LISTED, ids=[u for u, _ in LISTED])
def test_feed_urls_block(api, url, source):
    r = check(api, url)
    assert r["verdict"] == "block", r
    listed = [x for x in r["reasons"] if x["code"] == "blocklisted"]
    assert listed and source in listed[0]["detail"], r


@pytest.mark.parametrize("url", NOT_LISTED)
def test_unlisted_feed_entries_do_not_block(api, url):
    assert "blocklisted" not in codes(check(api, url))


def test_guard_load_while_running_takes_effect_within_seconds(guard_server, api):
    url = "http://loaded-later.example/login"
    assert check(api, url)["verdict"] == "allow"
    out = load_feed(guard_server, "later.txt", url + "\n")
    assert "1 URLs listed" in out and "plain" in out, out
    assert wait_for(lambda: check(api, url)["verdict"] == "block", SCHEDULER_RELOAD_S), guard_server.log()[-2000:]


def test_sighup_reloads_at_once(guard_server, api):
    url = "http://loaded-by-hup.example/"
    load_feed(guard_server, "hup.txt", url + "\n")
    hup(guard_server)
    assert wait_for(lambda: check(api, url)["verdict"] == "block", SIGHUP_RELOAD_S)
    assert "SIGHUP: reloading" in guard_server.log()


def test_swap_under_load_never_mixes_lists(guard_server, api):
    """Threads check [A, B] in one batch while list.txt goes from listing A to listing B (an
    atomic rename by `hutong guard load`) and back, with SIGHUPs in between: each answer is
    either (block, allow) from list A or (allow, block) from list B, never both or neither,
    and never an error."""
    a, b = "http://swap-list-a.example/", "http://swap-list-b.example/"
    load_feed(guard_server, "list.txt", a + "\n")
    hup(guard_server)
    assert wait_for(lambda: [r["verdict"] for r in check_many(api, [a, b])] == ["block", "allow"], SIGHUP_RELOAD_S)
    seen, bad, stop = {}, [], threading.Event()

    def hammer():
        c = guard_server.client(guard_server.key)
        try:
            while not stop.is_set():
                r = c.post("/v1/guard/check", {"urls": [a, b]})
                if r.status != 200:
                    bad.append(r)
                    continue
                pair = tuple(x.get("verdict", "error") for x in r.json["results"])
                seen[pair] = seen.get(pair, 0) + 1
                if pair not in (("block", "allow"), ("allow", "block")):
                    bad.append(r.json)
        finally:
            c.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            load_feed(guard_server, "list.txt", (b if i % 2 == 0 else a) + "\n")
            hup(guard_server)
            time.sleep(0.4)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    print("answers seen during the swaps:", seen)
    assert not bad, bad[:3]
    assert seen.get(("block", "allow"), 0) > 0 and seen.get(("allow", "block"), 0) > 0, seen


def test_broken_feed_keeps_the_old_list_and_is_logged_once(guard_server, api):
    listed = LISTED[0][0]
    assert check(api, listed)["verdict"] == "block"
    broken = os.path.join(guard_server.feeds, "broken.json")
    write(broken, '[{"url": "http://half-written.example/"')  # what an interrupted copy leaves
    try:
        marker = "guard feeds not reloaded"
        assert wait_for(lambda: marker in guard_server.log(), SCHEDULER_RELOAD_S)
        assert check(api, listed)["verdict"] == "block"  # the old list is still in force
        assert check(api, "http://half-written.example/")["verdict"] == "allow"
        time.sleep(6)  # another scheduler check: the same broken state is not retried and logged again
        assert guard_server.log().count(marker) == 1
        assert "broken.json" in guard_server.log()
    finally:
        os.unlink(broken)
    hup(guard_server)
    time.sleep(0.5)
    assert check(api, listed)["verdict"] == "block"


def test_guard_load_refuses_a_broken_or_missing_file(guard_server):
    broken = os.path.join(guard_server.staging, "broken2.json")
    write(broken, "[{")
    r = guard_server.cli("guard", "load", broken, "--feeds-dir", guard_server.feeds, check=False)
    assert r.returncode == 1 and b"broken2.json" in r.stderr
    assert not os.path.exists(os.path.join(guard_server.feeds, "broken2.json"))
    missing = os.path.join(guard_server.staging, "no-such-feed.txt")
    r = guard_server.cli("guard", "load", missing, "--feeds-dir", guard_server.feeds, check=False)
    assert r.returncode == 1 and b"no-such-feed.txt" in r.stderr
    assert not os.path.exists(os.path.join(guard_server.feeds, "no-such-feed.txt"))
    assert not [n for n in os.listdir(guard_server.feeds) if n.endswith(".tmp")]


def test_guard_load_reports_counts(guard_server):
    path = os.path.join(guard_server.staging, "counted.csv")
    write(path, PHISHTANK_CSV)
    out = guard_server.cli("guard", "load", path, "--feeds-dir", guard_server.feeds).stdout.decode()
    assert re.search(r"phishtank_csv, 3 records, 2 URLs listed, 1 skipped \(unverified or offline\), 0 rejected",
                     out), out
    os.unlink(os.path.join(guard_server.feeds, "counted.csv"))


# ---- protected domains: verified merchants and configuration ----

def test_verified_merchant_domain_after_sighup(guard_server, api):
    merchant_id, _ = guard_server.new_merchant("Hutong Teashop")
    lookalikes = ["https://hutongteash0p.cn/", "https://hutongteashop-pay.com/", "https://hutongteashop.net/"]
    assert [check(api, u)["verdict"] for u in lookalikes] == ["allow", "allow", "allow"]
    out = guard_server.cli("merchant", "set-domain", "--id", str(merchant_id), "--domain", "HutongTeashop.CN")
    assert b"hutongteashop.cn" in out.stdout
    hup(guard_server)

    def protected():
        return check(api, lookalikes[0])["verdict"] == "block"
    assert wait_for(protected, SIGHUP_RELOAD_S)
    assert "brand_homograph" in codes(check(api, lookalikes[0]))
    assert check(api, lookalikes[1])["verdict"] == "warn"
    assert check(api, lookalikes[2])["verdict"] == "warn"
    for genuine in ("https://hutongteashop.cn/", "https://www.hutongteashop.cn/p/1"):
        assert check(api, genuine)["verdict"] == "allow"
    # Clearing it takes the protection away at the next reload.
    guard_server.cli("merchant", "set-domain", "--id", str(merchant_id), "--clear")
    hup(guard_server)
    assert wait_for(lambda: check(api, lookalikes[0])["verdict"] == "allow", SIGHUP_RELOAD_S)


def test_set_domain_refuses_what_is_not_a_domain(guard_server):
    merchant_id, _ = guard_server.new_merchant("Bad Domain")
    for bad in ("com.cn", "1.2.3.4", "localhost", "shop.example/path", "a b.cn", "xn--.com", "user@shop.cn"):
        r = guard_server.cli("merchant", "set-domain", "--id", str(merchant_id), "--domain", bad, check=False)
        assert r.returncode == 2, bad
    r = guard_server.cli("merchant", "set-domain", "--id", "999999", "--domain", "fine.cn", check=False)
    assert r.returncode == 1 and b"not found" in r.stderr


def test_a_bad_merchant_domain_row_does_not_stop_the_guard(guard_server, api):
    # A row written behind the CLI's back (an older version, a manual UPDATE).
    merchant_id, _ = guard_server.new_merchant("Raw Row")
    guard_server.execute("UPDATE merchants SET domain = ? WHERE id = ?", "not a domain!", merchant_id)
    try:
        hup(guard_server)
        assert wait_for(lambda: "not a domain!" in guard_server.log(), SIGHUP_RELOAD_S)
        assert check(api, "http://t\u0430obao.com/")["verdict"] == "block"
    finally:
        guard_server.execute("UPDATE merchants SET domain = NULL WHERE id = ?", merchant_id)


def test_configured_domains(api):
    assert check(api, f"https://{CONFIGURED_DOMAIN}/")["verdict"] == "allow"
    assert check(api, f"https://m.{CONFIGURED_DOMAIN}/x")["verdict"] == "allow"
    r = check(api, "https://guardedbrand.net/")
    assert r["verdict"] == "warn" and "brand_other_tld" in codes(r)
    r = check(api, "https://guardedbr\u0430nd.cn/")
    assert r["verdict"] == "block" and "brand_homograph" in codes(r)
    r = check(api, "https://guardedbrand-login.com/")
    assert r["verdict"] == "warn"


# ---- the command line gives the API's answers ----

CLI_URLS = ["https://item.taobao.com/item.htm?id=1", "http://t\u0430obao.com/", "https://taobao-secure.com/",
            "http://taobao.com@evil.cn/", "http://1.2.3.4/", LISTED[0][0], LISTED[3][0],
            "https://guardedbrand.net/", "ftp://example.com/", "http://xn--/", ""]


def test_cli_json_equals_the_api(guard_server, api):
    r = guard_server.cli("guard", "check", "--json", "--feeds-dir", guard_server.feeds, *CLI_URLS, check=False)
    assert r.returncode == 2  # some are bad input
    lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert lines == check_many(api, CLI_URLS)


def test_cli_exit_codes_and_lines(guard_server):
    def run(*urls):
        return guard_server.cli("guard", "check", "--feeds-dir", guard_server.feeds, *urls, check=False)
    r = run("https://taobao.com/", "https://www.example.com/")
    assert r.returncode == 0 and r.stdout.decode().split() == ["allow", "https://taobao.com/", "allow",
                                                                "https://www.example.com/"]
    r = run("https://taobao.com/", "https://taobao-secure.com/")
    assert r.returncode == 1 and "warn   https://taobao-secure.com/  [brand_lure]" in r.stdout.decode()
    r = run(LISTED[0][0])
    assert r.returncode == 1 and r.stdout.decode().startswith("block") and "blocklisted" in r.stdout.decode()
    r = run("https://taobao.com/", "javascript:alert(1)")
    assert r.returncode == 2 and "error  javascript:alert(1)  (url_unsupported_scheme)" in r.stdout.decode()
    assert guard_server.cli("guard", "check", check=False).returncode == 2  # no URL
    assert guard_server.cli("guard", "frobnicate", "x", check=False).returncode == 2
    assert guard_server.cli("guard", "check", "--colour", "x", check=False).returncode == 2
