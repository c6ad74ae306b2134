"""Tiny PNG charts for the alert e-mail, drawn on a pixel grid with only zlib and struct.

Pure: values in, PNG bytes out. :func:`score_volume_chart` draws a client's daily message
volume as pale bars and the daily score (0–100) as a dark line over them, with a dashed line
at the alert threshold; the labels are text in the HTML around the image, so the image needs
no font.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence

__all__ = [
    "PNG_SIGNATURE",
    "Canvas",
    "Color",
    "encode_png",
    "score_volume_chart",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
BAR: Color = (178, 202, 232)
SCORE: Color = (192, 57, 43)
GRID: Color = (214, 214, 214)
AXIS: Color = (140, 140, 140)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG from *rgb* (``width * height * 3`` bytes, rows top to bottom)."""
    if width <= 0 or height <= 0 or len(rgb) != width * height * 3:
        raise ValueError(f"need {width}x{height}x3 bytes of RGB, got {len(rgb)}")
    stride = width * 3
    # Each row starts with its filter type; 0 (none) keeps the writer trivial.
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


class Canvas:
    """A mutable RGB pixel grid; (0, 0) is the top-left corner. Off-canvas drawing is clipped."""

    def __init__(self, width: int, height: int, background: Color = WHITE):
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(color)

    def get(self, x: int, y: int) -> Color:
        offset = (y * self.width + x) * 3
        r, g, b = self.pixels[offset : offset + 3]
        return (r, g, b)

    def fill_rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Fill the rectangle with corners (x0, y0) and (x1, y1), both included."""
        for y in range(max(min(y0, y1), 0), min(max(y0, y1), self.height - 1) + 1):
            for x in range(max(min(x0, x1), 0), min(max(x0, x1), self.width - 1) + 1):
                self.set(x, y, color)

    def line(
        self, x0: int, y0: int, x1: int, y1: int, color: Color, thickness: int = 1, dash: int = 0
    ) -> None:
        """A straight line (Bresenham); *dash* > 0 draws dashes of that many pixels."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, step = dx + dy, 0
        while True:
            if not dash or (step // dash) % 2 == 0:
                self.dot(x0, y0, color, thickness)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * err
            if doubled >= dy:
                err, x0 = err + dy, x0 + sx
            if doubled <= dx:
                err, y0 = err + dx, y0 + sy
            step += 1

    def dot(self, x: int, y: int, color: Color, thickness: int) -> None:
        """A square of *thickness* pixels centred on (x, y)."""
        low = -(thickness // 2)
        for oy in range(low, low + thickness):
            for ox in range(low, low + thickness):
                self.set(x + ox, y + oy, color)

    def png(self) -> bytes:
        return encode_png(self.width, self.height, bytes(self.pixels))


def score_volume_chart(
    scores: Sequence[float],
    volumes: Sequence[int],
    *,
    threshold: float | None = None,
    width: int = 300,
    height: int = 100,
) -> bytes:
    """Daily scores (0–100, a line) over daily message counts (bars, scaled to the busiest
    day), oldest first; both sequences have one entry per day."""
    if len(scores) != len(volumes):
        raise ValueError("scores and volumes need one entry per day each")
    canvas = Canvas(width, height)
    left, right, top, bottom = 2, width - 3, 4, height - 3
    days = max(len(scores), 1)
    slot = (right - left + 1) / days

    def y_of(fraction: float) -> int:
        return round(bottom - min(max(fraction, 0.0), 1.0) * (bottom - top))

    for level in (0.5, 1.0):
        canvas.line(left, y_of(level), right, y_of(level), GRID)
    busiest = max(volumes, default=0) or 1
    for i, count in enumerate(volumes):
        if count:
            x0 = round(left + i * slot)
            x1 = max(x0, round(left + (i + 1) * slot) - 2)
            canvas.fill_rect(x0, y_of(count / busiest), x1, bottom, BAR)
    canvas.line(left, bottom + 1, right, bottom + 1, AXIS)
    if threshold is not None:
        canvas.line(left, y_of(threshold / 100), right, y_of(threshold / 100), AXIS, dash=4)
    points = [(round(left + (i + 0.5) * slot), y_of(s / 100)) for i, s in enumerate(scores)]
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        canvas.line(xa, ya, xb, yb, SCORE, thickness=2)
    if len(points) == 1:
        canvas.dot(points[0][0], points[0][1], SCORE, 3)
    return canvas.png()
