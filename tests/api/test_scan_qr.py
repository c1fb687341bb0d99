"""QR images: every code the project emits decodes, with a real decoder (zbarimg), back to
exactly the scan link it stands for — products, stores and links, every EC level, the size
limits both ways, PNG and SVG (rasterized by rsvg-convert) — and the endpoint's options,
caching and errors."""
import subprocess

import pytest

from conftest import BIN
from scan_helpers import HAVE_RSVG, HAVE_ZBAR, decode_png, decode_svg, link, product

pytestmark = pytest.mark.skipif(not HAVE_ZBAR, reason="zbarimg (zbar-tools) is not installed")

EC_LEVELS = ["L", "M", "Q", "H"]
# Size options from the smallest module to the largest image (core/qr.h limits).
SIZES = ["scale=1", "", "size=300", "scale=32"]
FORMATS = ["png", "svg"]


@pytest.fixture(scope="module")
def codes(server):
    """One code of each kind, and the text its QR must hold."""
    _, key = server.new_merchant("QR Shop")
    c = server.client(key)
    store = c.get("/v1/merchant").json["code"]
    out = {"product": product(c)["code"], "store": store, "link": link(c)["code"]}
    c.close()
    return out


def scan_text(server, code):
    return f"HTTP://127.0.0.1:{server.port}/Q/{code}"


def fetch_and_decode(anon, code, fmt, query, no_quiet_zone=False):
    r = anon.get(f"/qr/{code}.{fmt}" + (f"?{query}" if query else ""))
    assert r.status == 200, r
    if fmt == "png":
        assert r.header("Content-Type") == "image/png"
        return decode_png(r.body, no_quiet_zone)
    assert r.header("Content-Type") == "image/svg+xml"
    if not HAVE_RSVG:
        pytest.skip("rsvg-convert (librsvg2-bin) is not installed")
    return decode_svg(r.body, no_quiet_zone)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: s or "default")
@pytest.mark.parametrize("ec", EC_LEVELS)
@pytest.mark.parametrize("kind", ["product", "store", "link"])
def test_every_qr_decodes_to_its_scan_link(server, anon, codes, kind, ec, size, fmt):
    query = "&".join(q for q in (size, f"ec={ec}") if q)
    assert fetch_and_decode(anon, codes[kind], fmt, query) == [scan_text(server, codes[kind])]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", ["size=4096&ec=H", "margin=0&scale=2", "margin=16&scale=2", "size=33&margin=4",
                                   "scale=3&margin=1&ec=Q"])
def test_size_and_margin_limits_decode(server, anon, codes, fmt, query):
    got = fetch_and_decode(anon, codes["product"], fmt, query, no_quiet_zone="margin=0" in query)
    assert got == [scan_text(server, codes["product"])]


def test_scan_link_is_upper_case_alphanumeric(server, anon, codes):
    """The text fits QR alphanumeric mode: upper case, digits and ' $%*+-./:' only."""
    text = scan_text(server, codes["product"])
    assert all(ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" for ch in text)


@pytest.mark.parametrize("path", ["{lower}", "{lower_ol}"])
def test_forgiving_code_in_path_draws_the_canonical_code(server, anon, codes, path):
    code = codes["link"]
    variant = path.format(lower=code.lower(), lower_ol=code.lower().replace("0", "o").replace("1", "l"))
    r = anon.get(f"/qr/{variant}.png?scale=4")
    assert r.status == 200, r
    assert decode_png(r.body) == [scan_text(server, code)]


OPTION_CASES = [
    # (query, status, field) around each limit in core/qr.h
    ("scale=0", 400, "scale"), ("scale=1", 200, None), ("scale=32", 200, None), ("scale=33", 400, "scale"),
    ("size=20", 400, "size"), ("size=4096", 200, None), ("size=4097", 400, "size"),
    ("size=32", 400, "size"), ("size=33", 200, None),  # version 2 + 2 × 4 quiet modules = 33
    ("margin=-1", 400, "margin"), ("margin=0", 200, None), ("margin=16", 200, None), ("margin=17", 400, "margin"),
    ("ec=L", 200, None), ("ec=h", 200, None), ("ec=X", 400, "ec"), ("ec=", 400, "ec"), ("ec=MM", 400, "ec"),
    ("scale=abc", 400, "scale"), ("size=1.5", 400, "size"), ("scale=99999999999999999999", 400, "scale"),
]


@pytest.mark.parametrize("query,status,field", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
@pytest.mark.parametrize("fmt", FORMATS)
def test_options_both_sides_of_each_limit(anon, codes, query, status, field, fmt):
    r = anon.get(f"/qr/{codes['product']}.{fmt}?{query}")
    assert r.status == status, r
    if status == 400:
        assert r.json["error"]["field"] == field
        assert r.json["error"]["code"] in ("out_of_range", "invalid_value")


def test_etag_and_long_cache(anon, codes):
    path = f"/qr/{codes['product']}.svg?size=200"
    r = anon.get(path)
    assert r.status == 200
    assert r.header("Cache-Control") == "public, max-age=31536000, immutable"
    etag = r.header("ETag")
    assert etag and etag.startswith('"')
    again = anon.get(path, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert anon.get(path, headers={"If-None-Match": '"other"'}).status == 200
    # A different image has a different tag; the same image in the other format too.
    assert anon.get(f"/qr/{codes['product']}.svg?size=201").header("ETag") != etag
    assert anon.get(f"/qr/{codes['product']}.png?size=200").header("ETag") != etag
    # Lower case names the same image.
    assert anon.get(f"/qr/{codes['product'].lower()}.svg?size=200").header("ETag") == etag


def test_revalidation_of_an_uncached_image_is_304(anon, codes):
    """The tag depends only on the request: a size never asked for before revalidates too."""
    first = anon.get(f"/qr/{codes['store']}.png?size=777")
    etag = first.header("ETag")
    fresh_size = anon.get(f"/qr/{codes['store']}.png?size=777", headers={"If-None-Match": etag})
    assert fresh_size.status == 304


@pytest.mark.parametrize("code", ["ZZZZZZ", "UUUUUU", "ABC", "A" * 40, "%FF%FE"])
def test_unknown_or_malformed_codes_are_404(anon, code):
    r = anon.get(f"/qr/{code}.png", headers={"Accept": "text/html"})
    assert r.status == 404
    assert r.header("Content-Type").startswith("text/html")
    j = anon.get(f"/qr/{code}.svg", headers={"Accept": "application/json"})
    assert j.status == 404 and j.json["error"]["code"] == "not_found"


def cli_qr(server, *args):
    return subprocess.run([BIN, "qr", *args], cwd=server.dir, env=server.env, capture_output=True, timeout=60)


@pytest.mark.parametrize("ec", EC_LEVELS)
def test_cli_writes_files_that_decode(server, codes, tmp_path, ec):
    code = codes["product"]
    png, svg = tmp_path / "code.png", tmp_path / "code.svg"
    url = "https://Shop.Example.com/"
    r = cli_qr(server, code.lower(), "--out", str(png), "--ec", ec, "--public-url", url)
    assert r.returncode == 0, r.stderr
    want = f"HTTPS://SHOP.EXAMPLE.COM/Q/{code}"
    assert r.stdout.decode().strip() == want
    assert decode_png(png.read_bytes()) == [want]
    r = cli_qr(server, code, "--out", str(svg), "--ec", ec, "--size", "400", "--public-url", url)
    assert r.returncode == 0, r.stderr
    if HAVE_RSVG:
        assert decode_svg(svg.read_bytes()) == [want]


def half_blocks_to_png_rows(text):
    """Turns the terminal rendering back into pixel rows (ink is dark: --style dark)."""
    lines = [line for line in text.split("\n") if line and not line.startswith("HTTP")]
    rows = []
    for line in lines:
        top, bottom = bytearray(), bytearray()
        for ch in line:
            top.append(0 if ch in "▀█" else 255)
            bottom.append(0 if ch in "▄█" else 255)
        rows += [top, bottom]
    width = max(len(r) for r in rows)
    return width, [r + b"\xff" * (width - len(r)) for r in rows]


def test_cli_terminal_code_decodes(server, codes, tmp_path):
    from scan_helpers import _pgm, zbar_file
    code = codes["store"]
    r = cli_qr(server, code, "--style", "dark")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    want = f"HTTP://127.0.0.1:{server.port}/Q/{code}"
    # The environment's HUTONG_PUBLIC_URL is unset in tests: the default is where serve listens.
    want_default = f"HTTP://127.0.0.1:8080/Q/{code}"
    assert out.strip().endswith(want_default) or out.strip().endswith(want)
    width, rows = half_blocks_to_png_rows(out)
    pgm = tmp_path / "term.pgm"
    pgm.write_bytes(_pgm(width, len(rows), rows))
    assert zbar_file(str(pgm)) == [out.strip().split("\n")[-1]]


@pytest.mark.parametrize("args,message", [
    ([], "usage"), (["UUUUUU"], "not a 6-symbol code"), (["7K3QX9", "--ec", "X"], "--ec"),
    (["7K3QX9", "--size", "20"], "--size"), (["7K3QX9", "--out", "x.gif"], ".svg or .png"),
    (["7K3QX9", "--public-url", "ftp://x"], "public URL"), (["7K3QX9", "--bogus"], "unknown option"),
])
def test_cli_bad_arguments(server, args, message):
    r = cli_qr(server, *args)
    assert r.returncode == 2
    assert message in r.stderr.decode()


def test_cli_help(server):
    r = cli_qr(server, "--help")
    assert r.returncode == 0 and b"usage: hutong qr" in r.stdout
