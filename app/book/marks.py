"""A two-glyph font for the pass/fail marks (✔ ✘) of the plan book, built with fontTools.

Sarabun has no check mark or ballot X, and the PDF core font ZapfDingbats is never embedded (a viewer without
a substitute prints nothing), so the book embeds this font instead: in the PDF through fpdf2, which reads
fonts from files, and in the HTML as a data: URL. Its glyphs are drawn here as filled polygons; both the
light and the heavy code points (✓ ✔, ✗ ✘) map to them, so the text layer keeps the character written.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Final

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

__all__ = ["CHECK", "CROSS", "FAMILY", "font_bytes", "font_path"]

FAMILY: Final = "BookMarks"
CHECK: Final = "✔"  # U+2714 HEAVY CHECK MARK
CROSS: Final = "✘"  # U+2718 HEAVY BALLOT X
_EM = 1000
_ADVANCE = 940
_Point = tuple[float, float]


def _check() -> list[_Point]:
    # A heavy tick: the short arm down to the vertex, the long arm up to the right.
    return [(60, 400), (160, 495), (330, 320), (780, 775), (880, 680), (330, 110)]


def _cross() -> list[_Point]:
    # A plus sign of arm `reach` and half-width `half`, turned by 45° about (cx, cy): one outline, no overlap.
    cx, cy, reach, half = 470.0, 400.0, 370.0, 68.0
    plus = [
        (half, half),
        (half, reach),
        (-half, reach),
        (-half, half),
        (-reach, half),
        (-reach, -half),
        (-half, -half),
        (-half, -reach),
        (half, -reach),
        (half, -half),
        (reach, -half),
        (reach, half),
    ]
    turn = math.radians(45)
    cos, sin = math.cos(turn), math.sin(turn)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in plus]


def _clockwise(points: list[_Point]) -> list[_Point]:
    """TrueType fills outlines drawn clockwise (y up): reverse a counter-clockwise one."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))
    return points if area < 0 else points[::-1]


def _glyph(points: list[_Point] | None) -> Any:
    pen = TTGlyphPen(None)
    if points:
        first, *rest = _clockwise(points)
        pen.moveTo((round(first[0]), round(first[1])))
        for x, y in rest:
            pen.lineTo((round(x), round(y)))
        pen.closePath()
    return pen.glyph()


@functools.cache
def font_bytes() -> bytes:
    """The font as a TrueType file."""
    order = [".notdef", "space", "check", "cross"]
    builder = FontBuilder(_EM, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(
        {0x20: "space", 0x2713: "check", 0x2714: "check", 0x2717: "cross", 0x2718: "cross"}
    )
    builder.setupGlyf(
        {".notdef": _glyph(None), "space": _glyph(None), "check": _glyph(_check()), "cross": _glyph(_cross())}
    )
    builder.setupHorizontalMetrics(
        {
            ".notdef": (500, 0),
            "space": (300, 0),
            "check": (_ADVANCE, 60),
            "cross": (_ADVANCE, 0),
        }
    )
    builder.setupHorizontalHeader(ascent=900, descent=-250)
    builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    builder.setupOS2(
        sTypoAscender=900,
        sTypoDescender=-250,
        sTypoLineGap=0,
        usWinAscent=900,
        usWinDescent=250,
        fsType=0,  # installable: may be embedded
    )
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


@functools.cache
def font_path() -> Path:
    """The font written once to the temporary directory (fpdf2 reads fonts from files only), named by its
    content, so that processes share it and a changed font gets a new file."""
    data = font_bytes()
    path = Path(tempfile.gettempdir()) / f"book-marks-{hashlib.sha256(data).hexdigest()[:16]}.ttf"
    if not path.is_file() or path.read_bytes() != data:
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".book-marks-", suffix=".ttf")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return path
