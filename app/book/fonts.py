"""The book's text font: Sarabun (regular and bold), embedded in the HTML page and the PDF alike."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

import fontpkg_sarabun

FONT_FAMILY: Final = "Sarabun"


@functools.cache
def font_paths() -> tuple[Path, Path]:
    """Sarabun Regular and Bold from the fontpkg-sarabun package."""
    files = Path(fontpkg_sarabun.__file__).resolve().parent / "files"
    paths = (files / "Sarabun-Regular.ttf", files / "Sarabun-Bold.ttf")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"Sarabun font missing: {path}")
    return paths
