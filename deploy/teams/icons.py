#!/usr/bin/env python3
"""Draws the Teams app icons (standard library only): python3 deploy/teams/icons.py [output-folder]

color.png   192x192, opaque: a white chat bubble carrying a check mark on the accent colour.
outline.png  32x32: the same bubble in white on a transparent background, the check cut out.

Both are written as 8-bit RGBA PNGs. Edges are anti-aliased by supersampling; the output is
deterministic, so re-running the script leaves the committed files unchanged.
"""
import math
import os
import struct
import sys
import zlib

ACCENT = (0x0F, 0x6C, 0xBD)  # also the manifest's accentColor
SUBSAMPLES = 4


def segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def inside_rounded_rect(x, y, left, top, right, bottom, radius):
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return math.hypot(x - cx, y - cy) <= radius


def inside_triangle(x, y, a, b, c):
    def side(p, q):
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])
    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return (d1 >= 0 and d2 >= 0 and d3 >= 0) or (d1 <= 0 and d2 <= 0 and d3 <= 0)


def glyph(x, y):
    """The symbol on a unit square: 'bubble', 'check' (cut out of the bubble) or None."""
    bubble = inside_rounded_rect(x, y, 0.0, 0.06, 1.0, 0.78, 0.2) or inside_triangle(
        x, y, (0.18, 0.7), (0.42, 0.7), (0.16, 0.98))
    if not bubble:
        return None
    check = min(segment_distance(x, y, 0.27, 0.42, 0.43, 0.57),
                segment_distance(x, y, 0.43, 0.57, 0.74, 0.26))
    return "check" if check <= 0.07 else "bubble"


def render(size, margin, background):
    """RGBA rows: the glyph in white inside `margin` pixels, on `background` (None = transparent)."""
    inner = size - 2 * margin
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            white = 0
            for sy in range(SUBSAMPLES):
                for sx in range(SUBSAMPLES):
                    x = (px + (sx + 0.5) / SUBSAMPLES - margin) / inner
                    y = (py + (sy + 0.5) / SUBSAMPLES - margin) / inner
                    if glyph(x, y) == "bubble":
                        white += 1
            coverage = white / (SUBSAMPLES * SUBSAMPLES)
            if background is None:
                row += bytes((255, 255, 255, round(255 * coverage)))
            else:
                row += bytes(round(c + (255 - c) * coverage) for c in background) + b"\xff"
        rows.append(bytes(row))
    return rows


def write_png(path, size, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as png:
        png.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    # Teams shows the colour icon's symbol within the central area: keep a quarter as margin.
    write_png(os.path.join(here, "color.png"), 192, render(192, 44, ACCENT))
    write_png(os.path.join(here, "outline.png"), 32, render(32, 1, None))
