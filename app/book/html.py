"""The plan book as one printable HTML page (jinja2, autoescaped, no external resources: styles inline,
fonts as data: URLs), from the book's view."""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Final

import jinja2

from app.book import marks
from app.book.data import BookData
from app.book.fonts import FONT_FAMILY, font_paths
from app.book.view import TEXTS, build_view, format_money

# The HTML book fetches nothing: its styles are inline and its fonts data: URLs.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    return env


@functools.cache
def _font_faces() -> str:
    """@font-face rules with Sarabun (regular, bold) and the pass/fail marks as data: URLs."""
    regular, bold = font_paths()
    faces = []
    for weight, data, family, extra in (
        (400, regular.read_bytes(), FONT_FAMILY, ""),
        (700, bold.read_bytes(), FONT_FAMILY, ""),
        (400, marks.font_bytes(), marks.FAMILY, " unicode-range: U+2713-2718;"),
    ):
        encoded = base64.b64encode(data).decode()
        faces.append(
            f"@font-face {{ font-family: '{family}'; font-style: normal; font-weight: {weight};"
            f" src: url(data:font/ttf;base64,{encoded}) format('truetype');{extra} }}"
        )
    return "\n".join(faces)


def render_html(book: BookData) -> str:
    """The plan book as one self-contained, printable HTML5 page in Thai, its fonts embedded."""
    template = _environment().get_template("book.html")
    return template.render(book=book, v=build_view(book), t=TEXTS, font_faces=_font_faces())
