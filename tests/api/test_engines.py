"""SQLite and PostgreSQL behave the same: one script of requests, with edge values (64-bit
boundaries, 4-byte UTF-8, empty and maximal strings, NULLs, cursors, archived rows, replays and
conflicts), runs against a server on each engine, and the two transcripts must be equal once
what is random or time-dependent (timestamps, short codes, request ids) is replaced by stable
placeholders. The migrations of both engines must also produce the same tables, columns and
indexes.

Runs in make test's PostgreSQL passes, where both engines are available.
"""
import re

import pytest

from conftest import ENGINE, Server

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="compares with PostgreSQL (make test's PostgreSQL pass)")

INT64_MAX = 2**63 - 1
# The largest amount the API accepts (AMOUNT_MINOR_MAX in src/core/money.h).
AMOUNT_MINOR_MAX = 10**15
# Keys whose values differ between two runs of the same script on any engine.
VOLATILE_KEYS = {"created_at", "updated_at"}
# Short codes are random; each must map to the same placeholder wherever it appears (links,
# URLs) in one transcript. Crockford base32, upper case, as src/core/code.c writes them.
SHORT_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{6,}\b")
# Headers worth comparing (the rest carry dates, request ids and lengths).
HEADERS = ("Content-Type", "Location", "Idempotent-Replayed", "Retry-After", "Allow")


def script(c, other):
    """The requests; `c` and `other` are clients of two merchants on the same server. Returns
    the responses in order."""
    out = []

    def call(method, path, body=None, client=None, **kw):
        r = (client or c).request(method, path, body=body, **kw)
        out.append((method, path, r))
        return r

    big = call("POST", "/v1/products", {"title": "𠜎 max 🐉", "price_minor": AMOUNT_MINOR_MAX, "stock": 1_000_000_000,
                                        "description": "多行\n描述\ttab", "currency": "CNY"}).json
    call("POST", "/v1/products", {"title": "t" * 200, "price_minor": 1, "description": "d" * 5000,
                                  "image_url": "https://img.example.com/" + "a" * 1800})
    call("POST", "/v1/products", {"title": "t" * 201, "price_minor": 1})
    call("POST", "/v1/products", {"title": "too dear", "price_minor": INT64_MAX})
    call("POST", "/v1/products", {"title": "zero", "price_minor": 0})
    call("POST", "/v1/products", {"title": "neg", "price_minor": 1, "stock": -1})
    call("POST", "/v1/products", {"title": "nul\u0000byte", "price_minor": 1})
    call("POST", "/v1/products", {"title": "", "price_minor": 1})
    call("POST", "/v1/products", {"title": "quote ' \" \\ ; -- $1 ?1 :x", "price_minor": 5, "description": ""})
    draft = call("POST", "/v1/products", {"title": "draft", "price_minor": 7, "status": "draft"}).json
    for i in range(5):
        call("POST", "/v1/products", {"title": f"item {i}", "price_minor": 100 + i},
             headers={"Idempotency-Key": f"k{i}"})
    call("POST", "/v1/products", {"title": "item 0", "price_minor": 100}, headers={"Idempotency-Key": "k0"})
    call("POST", "/v1/products", {"title": "item 0", "price_minor": 101}, headers={"Idempotency-Key": "k0"})
    call("POST", "/v1/products", {"title": "other's", "price_minor": 100}, client=other,
         headers={"Idempotency-Key": "k0"})

    call("PATCH", f"/v1/products/{big['id']}", {"image_url": None, "stock": 0, "title": "renamed"})
    call("PATCH", f"/v1/products/{big['id']}", {"status": "bogus"})
    call("PATCH", f"/v1/products/{draft['id']}", {"status": "active"})
    call("POST", f"/v1/products/{draft['id']}/archive")
    call("DELETE", f"/v1/products/{big['id']}")
    call("GET", f"/v1/products/{big['id']}")
    call("GET", f"/v1/products/{big['id']}", client=other)
    for path in ("/v1/products/0", "/v1/products/-1", f"/v1/products/{INT64_MAX}", "/v1/products/99999999999999999999",
                 "/v1/products/abc"):
        call("GET", path)

    for status in ("active", "draft", "archived", "all", "nope"):
        call("GET", f"/v1/products?status={status}&limit=100")
    cursor, pages = None, 0
    while pages < 10:
        page = call("GET", "/v1/products?status=all&limit=4" + (f"&cursor={cursor}" if cursor else "")).json
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    for query in ("limit=0", "limit=1", "limit=100", "limit=101", "cursor=c0", "cursor=zz", f"cursor=c{INT64_MAX}"):
        call("GET", "/v1/products?" + query)
    call("GET", "/v1/products?status=all", client=other)
    call("GET", "/v1/merchant")
    return out


def normalize(transcript):
    codes = {}

    def code(match):
        return codes.setdefault(match.group(0), f"<code {len(codes)}>")

    def walk(v, key=None):
        if key in VOLATILE_KEYS and v is not None:
            return "<time>"
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str):
            v = re.sub(r"request [^)\s]+", "request <id>", v)
            v = re.sub(r"(?i)(https?://127\.0\.0\.1):\d+", r"\1:<port>", v)  # each server its own port
            return SHORT_CODE.sub(code, v)
        return v

    rows = []
    for method, path, r in transcript:
        try:
            body = walk(r.json)
        except ValueError:
            body = walk(r.body.decode("utf-8", "replace"))
        headers = {h: r.header(h) for h in HEADERS if r.header(h) is not None}
        rows.append((method, path, r.status, headers, body))
    return rows


def run_on(engine):
    s = Server(engine=engine).start()
    try:
        _, key = s.new_merchant("Engine Shop")
        _, other_key = s.new_merchant("Other Shop")
        c, other = s.client(key), s.client(other_key)
        transcript = normalize(script(c, other))
        c.close()
        other.close()
        return transcript, schema(s)
    finally:
        s.assert_clean_exit()


def schema(s):
    """(table, column, not null) and index names, from the engine's own catalog."""
    if s.engine == "sqlite":
        cols = s.execute("SELECT m.name, p.name, p.\"notnull\" OR p.pk > 0 FROM sqlite_master m,"
                         " pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'")
        idx = s.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    else:
        cols = s.execute("SELECT table_name, column_name, is_nullable = 'NO' FROM information_schema.columns"
                         " WHERE table_schema = 'public'")
        idx = s.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
                        " AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'")
    truthy = {"1", "t", "true", "True"}
    return sorted((t, c, n in truthy) for t, c, n in cols), sorted(i for (i,) in idx)


def test_same_transcript_and_schema_on_both_engines():
    sqlite_transcript, sqlite_schema = run_on("sqlite")
    pg_transcript, pg_schema = run_on("postgres")
    assert len(sqlite_transcript) == len(pg_transcript)
    for a, b in zip(sqlite_transcript, pg_transcript):
        assert a == b, f"engines differ on {a[0]} {a[1]}"
    assert sqlite_schema[0] == pg_schema[0], "tables and columns differ"
    assert sqlite_schema[1] == pg_schema[1], "indexes differ"
