#!/usr/bin/env python3
"""Embeds files into the hutong binary as a C array of struct embedded_file.

Usage: embed.py OUTPUT.c SYMBOL ROOT FILE...
Each entry's name is the file's path relative to ROOT. Used at build time for SQL migrations
and static web assets, so the one binary runs from any directory.
"""
import os
import sys


def c_bytes(data: bytes) -> str:
    lines = []
    for i in range(0, len(data), 20):
        lines.append("  " + ",".join(str(b) for b in data[i:i + 20]) + ",")
    return "\n".join(lines)


def main() -> int:
    out, symbol, root, *files = sys.argv[1:]
    entries = sorted((os.path.relpath(f, root), f) for f in files)
    parts = ['#include "core/embedded.h"', ""]
    for index, (_, path) in enumerate(entries):
        with open(path, "rb") as fh:
            data = fh.read()
        parts.append(f"static const unsigned char data_{index}[] = {{\n{c_bytes(data)}\n  0}};")
    parts.append(f"const struct embedded_file {symbol}[] = {{")
    for index, (name, path) in enumerate(entries):
        size = os.path.getsize(path)
        parts.append(f'  {{"{name}", data_{index}, {size}}},')
    parts.append("};")
    parts.append(f"const size_t {symbol}_count = {len(entries)};")
    with open(out, "w") as fh:
        fh.write("\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
