"""Helpers for the scan-to-buy tests: a real QR decoder (zbarimg), a small PNG reader so that
every image we emit can be checked as emitted (magnified without interpolation and given a
white border when it was asked for without a quiet zone), SVG rasterization with rsvg-convert,
and shortcuts for products, links and clicks.

Decoding goes through files in a temporary directory; zbarimg's stderr (warnings about D-Bus
and the like) is ignored, its stdout with --raw is exactly the decoded text.
"""
import math
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import zlib

# Decoding small images: zbar needs a few pixels per module, so images narrower than this are
# magnified by a whole factor (nearest neighbour, the modules stay exact).
DECODE_MIN_SIDE_PX = 300
# White border added around every image before decoding, as a share of its side: enough for
# the 4-module quiet zone of an image rendered with margin=0 (4 of 25 + 8 modules = 16 %).
DECODE_BORDER_SHARE = 0.2
TOOL_TIMEOUT_S = 60

HAVE_ZBAR = shutil.which("zbarimg") is not None
HAVE_RSVG = shutil.which("rsvg-convert") is not None
HAVE_PDFTOPPM = shutil.which("pdftoppm") is not None


def read_png(data):
    """Returns (width, height, rows) with rows as bytearrays of 8-bit gray (0 black, 255 white).
    Reads what our encoder and rsvg-convert write: gray 1/8 bit, RGB, gray+alpha, RGBA;
    no interlacing. Alpha is composed over white."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = depth = ctype = None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert interlace == 0
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    assert depth in (1, 8) and (depth == 8 or ctype == 0)
    raw = zlib.decompress(idat)
    stride = (width * channels * depth + 7) // 8
    bpp = max(1, channels * depth // 8)
    prev = bytearray(stride)
    rows, at = [], 0
    for _ in range(height):
        ftype, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        gray = bytearray(width)
        for x in range(width):
            if depth == 1:
                gray[x] = 255 if (line[x >> 3] >> (7 - (x & 7))) & 1 else 0
            else:
                px = line[x * channels:(x + 1) * channels]
                v = px[0] if channels <= 2 else (px[0] * 299 + px[1] * 587 + px[2] * 114) // 1000
                alpha = px[-1] if channels in (2, 4) else 255
                gray[x] = (v * alpha + 255 * (255 - alpha)) // 255
        rows.append(gray)
    return width, height, rows


def _pgm(width, height, rows):
    """Magnifies and borders the image, returns a binary PGM."""
    factor = max(1, math.ceil(DECODE_MIN_SIDE_PX / max(width, 1)))
    border = int(max(width, height) * factor * DECODE_BORDER_SHARE) + 4
    out_w, out_h = width * factor + 2 * border, height * factor + 2 * border
    white_row = b"\xff" * out_w
    lines = [white_row] * border
    for row in rows:
        wide = bytes(v for v in row for _ in range(factor))
        line = b"\xff" * border + wide + b"\xff" * border
        lines.extend([line] * factor)
    lines.extend([white_row] * border)
    return b"P5\n%d %d\n255\n" % (out_w, out_h) + b"".join(lines)


def zbar_file(path):
    r = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, timeout=TOOL_TIMEOUT_S)
    return [line for line in r.stdout.decode("utf-8", "replace").splitlines() if line]


def decode_png(data, no_quiet_zone=False):
    """Every QR text zbarimg finds in PNG `data`. An image that is large enough and has its
    quiet zone goes to zbarimg as emitted; a small one, or one drawn without a quiet zone,
    is first magnified (nearest neighbour) and given a white border."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: {data[:200]!r}"
    (width,) = struct.unpack(">I", data[16:20])
    with tempfile.TemporaryDirectory(prefix="hutong-qr-") as d:
        if width >= DECODE_MIN_SIDE_PX and not no_quiet_zone:
            path = os.path.join(d, "image.png")
            with open(path, "wb") as fh:
                fh.write(data)
            return zbar_file(path)
        width, height, rows = read_png(data)
        path = os.path.join(d, "image.pgm")
        with open(path, "wb") as fh:
            fh.write(_pgm(width, height, rows))
        return zbar_file(path)


def svg_to_png(svg):
    r = subprocess.run(["rsvg-convert", "--format", "png"], input=svg, capture_output=True, timeout=TOOL_TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    return r.stdout


def decode_svg(svg, no_quiet_zone=False):
    return decode_png(svg_to_png(svg if isinstance(svg, bytes) else svg.encode()), no_quiet_zone)


# Paper heights in mm (web/sheet.c) and the sheet's page margin (SHEET_MARGIN_MM_DEFAULT).
PAPER_H_MM = {"a4": 297.0, "a5": 210.0, "letter": 279.4}
SHEET_MARGIN_MM = 10.0


def pdf_pages_decoded(pdf_path, rows=7, paper="a4", dpi=150, first=None, last=None):
    """Rasterizes each page of a print sheet with pdftoppm, one row of tags at a time, and
    returns the QR texts zbarimg finds on each page (sorted). Why rows: zbarimg 0.23 scanning
    a whole page of 21 codes misses one to three of them on some pages, although the very same
    pixels decode when the row is cut out (a limit of its multi-symbol search, not of the
    codes); every code must still be found in its row."""
    first = first or 1
    last = last or pdf_page_count(pdf_path)
    cell_mm = (PAPER_H_MM[paper] - 2 * SHEET_MARGIN_MM) / rows
    px = dpi / 25.4
    out = []
    with tempfile.TemporaryDirectory(prefix="hutong-pdf-") as d:
        for page in range(first, last + 1):
            found = []
            for row in range(rows):
                y = int((SHEET_MARGIN_MM + row * cell_mm) * px)
                subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page),
                                "-y", str(y), "-H", str(int(cell_mm * px) + 2), "-W", "100000", "-png",
                                "-singlefile", pdf_path, os.path.join(d, "row")], check=True, timeout=120)
                found += zbar_file(os.path.join(d, "row.png"))
            out.append(sorted(found))
    return out


def pdf_page_count(pdf_path):
    r = subprocess.run(["pdfinfo", pdf_path], capture_output=True, timeout=TOOL_TIMEOUT_S, check=True)
    return int(re.search(rb"Pages:\s+(\d+)", r.stdout).group(1))


def inline_svg(html):
    """The first inline <svg>...</svg> of a page."""
    m = re.search(r"<svg.*?</svg>", html, re.S)
    return m.group(0) if m else None


def product(c, title="测试商品 Test product", price=1990, **fields):
    body = {"title": title, "price_minor": price, "currency": "CNY", "stock": 10}
    body.update(fields)
    r = c.post("/v1/products", body)
    assert r.status == 201, r
    return r.json


def link(c, target="https://example.com/landing?x=1", **fields):
    body = {"target_url": target}
    body.update(fields)
    r = c.post("/v1/links", body)
    assert r.status == 201, r
    return r.json


def stats(c, code, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    r = c.get(f"/v1/links/{code}/stats" + (f"?{q}" if q else ""))
    assert r.status == 200, r
    return r.json


def db_execute(server, sql, args=()):
    """Runs one statement on the server's database, either engine (tests only: moving time
    backwards for rows the API refuses to make already expired)."""
    server.execute(sql, *args)


def now_ms():
    return int(time.time() * 1000)
