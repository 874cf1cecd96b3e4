"""`GET /problems/{slug}`: the page a problem's `type` points at, in English or Thai (`Accept-Language`, or
`?lang=`), as HTML or, with `Accept: text/plain`, as text. Self-contained: no script, font or style from
elsewhere, so it reads the same on an intranet with no internet."""

from __future__ import annotations

import html
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.exceptions import HTTPException

from app.core.errors import PROBLEM_BASE
from app.core.i18n import language
from app.problems.catalogue import CATALOGUE, ProblemType

router = APIRouter(include_in_schema=False)

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=3600",
    "Vary": "Accept, Accept-Language",
}

STYLE = (
    "body{font-family:system-ui,'Sarabun','Noto Sans Thai',sans-serif;max-width:44rem;margin:2rem auto;"
    "padding:0 1rem;line-height:1.6;color:#1b1b1b}code{background:#f1f1f1;padding:0 .25em;border-radius:3px}"
    "h1{font-size:1.5rem}.status{color:#555}nav{margin-top:2rem;font-size:.9rem}"
)

# The page in the other language: its code and its name in it.
OTHER = {"en": ("th", "ภาษาไทย"), "th": ("en", "English")}
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "status": "HTTP status",
        "varies": "varies",
        "meaning": "What it means",
        "action": "What to do",
        "type": "Problem type",
        "all": "All problem types",
        "index": "Problem types of the Community Plans API",
        "intro": "Every error of the API is an `application/problem+json` answer whose `type` is one of "
        "these pages.",
    },
    "th": {
        "status": "รหัสสถานะ HTTP",
        "varies": "แตกต่างกันไป",
        "meaning": "ความหมาย",
        "action": "สิ่งที่ควรทำ",
        "type": "ชนิดของปัญหา",
        "all": "ชนิดของปัญหาทั้งหมด",
        "index": "ชนิดของปัญหาใน Community Plans API (ระบบแผนชุมชน)",
        "intro": "ข้อผิดพลาดทุกรายการของ API ตอบเป็น `application/problem+json` ซึ่ง `type` ชี้มาที่หน้าใดหน้าหนึ่งต่อไปนี้",
    },
}

Lang = Literal["en", "th"] | None


def _inline(text: str) -> str:
    """Escaped text, with `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _wants_text(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/plain" in accept and "text/html" not in accept


def _page(lang: str, title: str, body: str, self_path: str) -> str:
    code, name = OTHER[lang]
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{body}"
        f'<nav><a href="{PROBLEM_BASE}">{WORDS[lang]["all"]}</a> · '
        f'<a href="{self_path}?lang={code}" hreflang="{code}" lang="{code}">{name}</a> · '
        f'<a href="/docs">API</a></nav></body></html>\n'
    )


def _answer(request: Request, lang: str, page: str, text: str) -> Response:
    headers = {**HEADERS, "Content-Language": lang}
    if _wants_text(request):
        return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


@router.get(PROBLEM_BASE)
async def problem_types(
    request: Request, lang_query: Annotated[Lang, Query(alias="lang")] = None
) -> Response:
    lang = lang_query or language(request)
    words = WORDS[lang]
    items = "".join(
        f'<li><a href="{PROBLEM_BASE}{slug}"><code>{slug}</code></a> ({kind.status or words["varies"]}): '
        f"{html.escape(kind.text(lang).title)}</li>"
        for slug, kind in CATALOGUE.items()
    )
    body = f"<h1>{html.escape(words['index'])}</h1><p>{_inline(words['intro'])}</p><ul>{items}</ul>"
    text = "\n".join(
        [words["index"], "", words["intro"], ""]
        + [f"{PROBLEM_BASE}{slug}  {kind.text(lang).title}" for slug, kind in CATALOGUE.items()]
    )
    return _answer(request, lang, _page(lang, words["index"], body, PROBLEM_BASE), text + "\n")


@router.get(PROBLEM_BASE + "{slug}")
async def problem_type(
    request: Request,
    slug: Annotated[str, Path(max_length=100)],
    lang_query: Annotated[Lang, Query(alias="lang")] = None,
) -> Response:
    kind: ProblemType | None = CATALOGUE.get(slug)
    if kind is None:
        raise HTTPException(404)
    lang = lang_query or language(request)
    words, text = WORDS[lang], kind.text(lang)
    status = str(kind.status) if kind.status else words["varies"]
    body = (
        f"<h1>{html.escape(text.title)}</h1>"
        f'<p class="status">{words["type"]}: <code>{PROBLEM_BASE}{slug}</code> · {words["status"]}: '
        f"{status}</p>"
        f"<h2>{words['meaning']}</h2><p>{_inline(text.meaning)}</p>"
        f"<h2>{words['action']}</h2><p>{_inline(text.action)}</p>"
    )
    plain = (
        f"{text.title}\n{words['type']}: {PROBLEM_BASE}{slug}\n{words['status']}: {status}\n\n"
        f"{words['meaning']}:\n{text.meaning}\n\n{words['action']}:\n{text.action}\n"
    )
    return _answer(request, lang, _page(lang, text.title, body, PROBLEM_BASE + slug), plain)
