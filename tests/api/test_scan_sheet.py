"""Print sheets: `hutong sheet` and GET /v1/sheets.pdf render every active product of a merchant
as a price tag; the PDF is rasterized (pdftoppm) and zbarimg must find every QR code on every
page, each holding exactly its product's scan link; titles, prices and tokens are on the page.
A catalogue of 10,000 products renders too."""
import math
import os
import re
import subprocess
import sys

import pytest

from conftest import BIN, ROOT
from scan_helpers import HAVE_PDFTOPPM, HAVE_ZBAR, pdf_page_count, pdf_pages_decoded, product

pytestmark = pytest.mark.skipif(not (HAVE_ZBAR and HAVE_PDFTOPPM), reason="zbarimg and pdftoppm are needed")

PER_PAGE_DEFAULT = 21  # 3 columns x 7 rows (web/sheet.h)
API_LABELS_MAX = 2000  # api/sheets.c SHEET_API_LABELS_MAX
BIG = int(os.environ.get("HUTONG_SHEET_BIG", "10000"))
SEED = os.path.join(ROOT, "bench", "seed_codes.py")


def run_sheet(server, *args):
    return subprocess.run([BIN, "sheet", *args], cwd=server.dir, env=server.env, capture_output=True, timeout=600)


def scan_link(server, code):
    return f"HTTP://127.0.0.1:8080/Q/{code}"  # the CLI's default public URL (tests set none)


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, timeout=120,
                          check=True).stdout.decode()


@pytest.fixture(scope="module")
def catalogue(server):
    mid, key = server.new_merchant("Sheet Shop")
    c = server.client(key)
    active = [product(c, title=f"景德镇青花瓷杯 Cup {i}", price=1000 + i) for i in range(25)]
    active.append(product(c, title="<script>alert(1)</script> 很长的标题" * 6, price=99))
    product(c, title="draft", status="draft")
    gone = product(c, title="archived")
    c.post(f"/v1/products/{gone['id']}/archive")
    yield mid, key, c, active
    c.close()


def test_cli_sheet_decodes_fully(server, catalogue, tmp_path):
    mid, _, c, active = catalogue
    out = tmp_path / "shelf.pdf"
    r = run_sheet(server, "--merchant", str(mid), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert f"{len(active)} tags on 2 pages" in r.stdout.decode()
    assert not (tmp_path / "shelf.pdf.part").exists()
    pages = pdf_pages_decoded(str(out))
    assert len(pages) == math.ceil(len(active) / PER_PAGE_DEFAULT)
    assert [len(p) for p in pages] == [PER_PAGE_DEFAULT, len(active) - PER_PAGE_DEFAULT]
    found = sorted(t for page in pages for t in page)
    assert found == sorted(scan_link(server, p["code"]) for p in active)
    text = pdf_text(str(out))
    assert text.count("景德镇青花瓷杯") == 25  # titles (wrapped, so matched by their first word)
    for i, p in enumerate(active[:25]):
        assert f"¥{(1000 + i) / 100:.2f}" in text  # each price
        assert re.search("￥" + re.escape(p["code"]) + r"[0-9A-Z]￥", text), p["code"]  # each token


def test_cli_sheet_renews_tokens_once(server, catalogue, tmp_path):
    mid, _, _, active = catalogue
    r = run_sheet(server, "--merchant", str(mid), "--out", str(tmp_path / "again.pdf"))
    assert r.returncode == 0 and "(0 share tokens issued)" in r.stdout.decode()


@pytest.mark.parametrize("args,per_page", [
    (["--paper", "a5", "--columns", "2", "--rows", "4", "--ec", "H"], 8),
    (["--paper", "letter", "--columns", "4", "--rows", "8", "--qr-mm", "15", "--ec", "L"], 32),
    (["--columns", "1", "--rows", "2", "--qr-mm", "100"], 2),
    (["--paper", "A4", "--columns", "2", "--rows", "5", "--qr-mm", "30.5", "--ec", "q"], 10),
])
def test_cli_sheet_options(server, catalogue, tmp_path, args, per_page):
    mid, _, _, active = catalogue
    out = tmp_path / "opts.pdf"
    r = run_sheet(server, "--merchant", str(mid), "--out", str(out), *args)
    assert r.returncode == 0, r.stderr
    assert pdf_page_count(str(out)) == math.ceil(len(active) / per_page)
    paper = args[args.index("--paper") + 1].lower() if "--paper" in args else "a4"
    rows = int(args[args.index("--rows") + 1]) if "--rows" in args else 7
    first = pdf_pages_decoded(str(out), rows=rows, paper=paper, first=1, last=1)[0]
    assert len(first) == min(per_page, len(active))
    assert set(first) <= {scan_link(server, p["code"]) for p in active}


@pytest.mark.parametrize("args,message", [
    (["--columns", "0"], "--columns"), (["--columns", "5"], "--columns"), (["--rows", "10"], "--rows"),
    (["--qr-mm", "14.9"], "--qr-mm"), (["--qr-mm", "100.1"], "--qr-mm"), (["--qr-mm", "nan"], "--qr-mm"),
    (["--paper", "b5"], "--paper"), (["--ec", "X"], "--ec"), (["--columns", "4", "--qr-mm", "40"], "fit"),
    (["--bogus", "1"], "unknown option"),
])
def test_cli_sheet_bad_options(server, catalogue, tmp_path, args, message):
    mid = catalogue[0]
    r = run_sheet(server, "--merchant", str(mid), "--out", str(tmp_path / "x.pdf"), *args)
    assert r.returncode == 2 and message in r.stderr.decode(), r.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_cli_sheet_errors(server, tmp_path):
    assert run_sheet(server, "--out", str(tmp_path / "x.pdf")).returncode == 2
    assert run_sheet(server, "--merchant", "1").returncode == 2
    assert run_sheet(server, "--merchant", "999999", "--out", str(tmp_path / "x.pdf")).returncode == 1
    empty, _ = server.new_merchant("Empty")
    r = run_sheet(server, "--merchant", str(empty), "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 1 and b"no active products" in r.stderr
    h = run_sheet(server, "--help")
    assert h.returncode == 0 and b"usage: hutong sheet" in h.stdout


def test_api_sheet_decodes_fully(server, catalogue, tmp_path):
    _, _, c, active = catalogue
    r = c.get("/v1/sheets.pdf")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/pdf"
    assert r.header("X-Labels") == str(len(active)) and r.header("Link") is None
    out = tmp_path / "api.pdf"
    out.write_bytes(r.body)
    found = sorted(t for page in pdf_pages_decoded(str(out)) for t in page)
    want = sorted(f"HTTP://127.0.0.1:{server.port}/Q/{p['code']}" for p in active)
    assert found == want


def test_api_sheet_parts_follow_the_cursor(server, catalogue, tmp_path):
    _, _, c, active = catalogue
    path, seen = "/v1/sheets.pdf?limit=10&columns=2&rows=5&ec=H&paper=a5&qr_mm=20", []
    for _ in range(10):  # bounded: 26 products in parts of 10 need 3
        r = c.get(path)
        assert r.status == 200, r
        out = tmp_path / f"part{len(seen)}.pdf"
        out.write_bytes(r.body)
        seen += [t for page in pdf_pages_decoded(str(out), rows=5, paper="a5") for t in page]
        link = r.header("Link")
        if not link:
            assert r.header("X-Next-Cursor") is None
            break
        assert "ec=H" in link and "paper=a5" in link and "limit=10" in link
        path = re.match(r"<([^>]+)>", link).group(1)
    assert sorted(seen) == sorted(f"HTTP://127.0.0.1:{server.port}/Q/{p['code']}" for p in active)


@pytest.mark.parametrize("query,field", [
    ("columns=5", "columns"), ("rows=0", "rows"), ("qr_mm=14", "qr_mm"), ("qr_mm=abc", "qr_mm"),
    ("paper=tabloid", "paper"), ("ec=Z", "ec"), ("limit=0", "limit"), (f"limit={API_LABELS_MAX + 1}", "limit"),
    ("cursor=zz", "cursor"), ("columns=4&qr_mm=40", "columns"),
])
def test_api_sheet_bad_options(catalogue, query, field):
    c = catalogue[2]
    r = c.get(f"/v1/sheets.pdf?{query}")
    assert r.status == 400, r
    assert r.json["error"]["field"] == field


def test_api_sheet_limits_and_auth(server, catalogue, anon):
    c = catalogue[2]
    assert c.get(f"/v1/sheets.pdf?limit={API_LABELS_MAX}").status == 200
    assert c.get("/v1/sheets.pdf?limit=1").header("X-Labels") == "1"
    assert anon.get("/v1/sheets.pdf").status == 401
    _, key = server.new_merchant("Nothing to print")
    empty = server.client(key)
    assert empty.get("/v1/sheets.pdf").status == 404
    empty.close()


def test_ten_thousand_products(server, tmp_path):
    if not server.db_url.startswith("sqlite:"):
        pytest.skip("rows are seeded straight into SQLite")
    mid, key = server.new_merchant("Big Shop")
    codes = tmp_path / "codes.txt"
    subprocess.run([sys.executable, SEED, server.db_url[len("sqlite:"):], str(mid), str(BIG), "0", str(codes)],
                   check=True, timeout=300)
    out = tmp_path / "big.pdf"
    r = run_sheet(server, "--merchant", str(mid), "--out", str(out))
    assert r.returncode == 0, r.stderr
    pages = math.ceil(BIG / PER_PAGE_DEFAULT)
    assert f"{BIG} tags on {pages} pages ({BIG} share tokens issued)" in r.stdout.decode()
    assert pdf_page_count(str(out)) == pages
    everything = {scan_link(server, line.split()[1]) for line in codes.read_text().splitlines()}
    first, last = pdf_pages_decoded(str(out), first=1, last=1)[0], pdf_pages_decoded(str(out), first=pages)[0]
    assert len(set(first)) == len(first) and len(set(last)) == len(last)
    assert len(first) == PER_PAGE_DEFAULT and len(last) == BIG - (pages - 1) * PER_PAGE_DEFAULT
    assert set(first) <= everything and set(last) <= everything
