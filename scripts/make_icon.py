"""Draw Snoop Guard's brand icon (a shield over a crossed-out eye) as PNG, stdlib only.

Run: python3 scripts/make_icon.py  ->  custom_components/snoop_guard/brand/icon.png (256 px)
and icon@2x.png (512 px).
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "custom_components" / "snoop_guard" / "brand"
BLUE = (3, 105, 161, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def _pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) in a unit square."""
    # Shield: flat top with rounded shoulders, pointed bottom.
    if y < 0.08 or y > 0.95:
        return CLEAR
    half = 0.40 if y < 0.55 else 0.40 * (0.95 - y) / 0.40
    if abs(x - 0.5) > half:
        return CLEAR
    # Eye: an almond from two arcs, with a pupil; a bar crosses it out.
    ex, ey = (x - 0.5) / 0.27, (y - 0.45) / 0.27
    in_almond = abs(ey) < 0.55 * (1 - ex * ex) and abs(ex) < 1
    pupil = math.hypot(ex, ey) < 0.28
    bar = abs((x - 0.5) + (y - 0.45)) < 0.035 and abs(x - 0.5) < 0.26
    if bar:
        return WHITE
    if in_almond and not pupil:
        return WHITE
    return BLUE


def _png(size: int) -> bytes:
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        for px in range(size):
            rows.extend(_pixel((px + 0.5) / size, (py + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.png").write_bytes(_png(256))
    (OUT / "icon@2x.png").write_bytes(_png(512))
