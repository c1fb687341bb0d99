#!/usr/bin/env python3
"""Fills a migrated hutong SQLite database with many products and campaign links, fast.

Benchmarks and the large-sheet test need 10^4..10^5 rows; creating them through the API
would take minutes (one fsynced transaction each). This writes them straight into the
tables in one transaction, exactly as the store layer would (a row in `codes` per code, the
product or link row naming it), so the server reads them like any others. It is a test and
benchmark tool only: the server has no bulk path.

usage: seed_codes.py DB_PATH MERCHANT_ID PRODUCTS LINKS CODES_OUT [--tokens]
Writes the product codes, then the link codes, one per line with a kind prefix ("P CODE",
"R CODE") to CODES_OUT. With --tokens every product also gets a share token valid for 30
days, the steady state of a catalogue whose pages have been viewed before (a first view
issues one).
"""
import os
import random
import sqlite3
import sys
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as core/code.h
CODE_LEN = 6
TOKEN_TTL_MS = 30 * 24 * 3600 * 1000  # app.h APP_TOKEN_TTL_DAYS_DEFAULT


def fresh_codes(db, count, rng):
    taken = {row[0] for row in db.execute("SELECT code FROM codes")}
    out = []
    while len(out) < count:
        code = "".join(rng.choice(ALPHABET) for _ in range(CODE_LEN))
        if code not in taken:
            taken.add(code)
            out.append(code)
    return out


def main():
    path, merchant_id, products, links, codes_out = sys.argv[1:6]
    tokens = "--tokens" in sys.argv[6:]
    merchant_id, products, links = int(merchant_id), int(products), int(links)
    rng = random.Random(int(os.environ.get("SEED", "3")))
    now = int(time.time() * 1000)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    codes = fresh_codes(db, products + links, rng)
    with db:
        for i, code in enumerate(codes[:products]):
            cur = db.execute(
                "INSERT INTO products (merchant_id, code, title, description, price_minor, currency, stock,"
                " status, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, 'CNY', 100, 'active', ?, ?)",
                (merchant_id, code, f"商品 {i} · Product {i}", "Seeded for benchmarks.", 100 + i % 99900,
                 now + i, now + i))
            db.execute("INSERT INTO codes (code, kind, merchant_id, ref_id) VALUES (?, 'product', ?, ?)",
                       (code, merchant_id, cur.lastrowid))
            if tokens:
                db.execute("INSERT INTO share_tokens (merchant_id, product_id, code, channel, created_at_ms,"
                           " expires_at_ms) VALUES (?, ?, ?, 'seed', ?, ?)",
                           (merchant_id, cur.lastrowid, code, now, now + TOKEN_TTL_MS))
        for i, code in enumerate(codes[products:]):
            cur = db.execute(
                "INSERT INTO links (merchant_id, code, target_url, channel, created_at_ms, updated_at_ms)"
                " VALUES (?, ?, ?, NULL, ?, ?)",
                (merchant_id, code, f"https://shop.example.com/campaign/{i}?utm_source=hutong", now, now))
            db.execute("INSERT INTO codes (code, kind, merchant_id, ref_id) VALUES (?, 'link', ?, ?)",
                       (code, merchant_id, cur.lastrowid))
    db.close()
    with open(codes_out, "w") as fh:
        for code in codes[:products]:
            fh.write(f"P {code}\n")
        for code in codes[products:]:
            fh.write(f"R {code}\n")


if __name__ == "__main__":
    main()
