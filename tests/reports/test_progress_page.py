"""The progress page for people, `/reports/progress`: loaded in a real headless Chromium from the app
served by uvicorn on loopback, its figures read back from the DOM and compared with the JSON report; a
screenshot and a printed PDF are kept as artefacts. The page needs the same bearer credential as the API:
here a small loopback gateway adds the header, as an intranet sign-on gateway would for a browser."""

from __future__ import annotations

import html.parser
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from tests.helpers import make_key
from tests.reports.test_reports import YEAR, build

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/reports/progress"
API = "/api/v1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(database_url: str) -> Iterator[str]:
    """The app, served by uvicorn in its own process against the test database."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, DELIVER_IN_PROCESS="false", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise AssertionError(f"uvicorn did not start: {stderr}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Gateway:
    """A loopback gateway that adds `Authorization: Bearer …` to what the browser asks for, and records it."""

    def __init__(self, upstream: str, credential: str) -> None:
        self.requests: list[str] = []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gateway.requests.append(self.path)
                answer = httpx.get(
                    upstream + self.path, headers={"Authorization": f"Bearer {credential}"}, timeout=60
                )
                self.send_response(answer.status_code)
                for name in ("content-type", "content-security-policy", "cache-control"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Figures(html.parser.HTMLParser):
    """`data-row`/`data-figure` elements and their text; SVG bars per chart; every URL the page refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[tuple[str, str], str] = {}
        self.bars: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self._open: list[tuple[str, tuple[str, str] | None]] = []
        self._chart: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "href", "xlink:href", "poster", "data"):
            if a.get(name):
                self.urls.append(str(a[name]))
        if "data-chart" in a:
            self._chart = str(a["data-chart"])
            self.bars[self._chart] = []
        if "data-bar" in a and self._chart is not None:
            self.bars[self._chart].append(str(a["data-bar"]))
        key = (str(a["data-row"]), str(a["data-figure"])) if "data-row" in a and "data-figure" in a else None
        if key is not None:
            self.figures[key] = ""
        self._open.append((tag, key))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            if key is not None:
                self.figures[key] += data


def chromium(*args: str, profile: Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def number(text: str) -> str:
    return text.replace(",", "").replace("%", "").strip()


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


SHARES = (
    "plans_reviewed",
    "plans_assessed",
    "quality_grade_a",
    "certified",
    "self_reliance",
    "completed_by_community",
    "adopted",
)


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)"
)
async def test_the_page_in_a_browser_shows_the_reports_figures(
    app: Any, db: Database, client: httpx.AsyncClient, server: str, tmp_path: Path
) -> None:
    await build(app, db, client)
    key = await make_key(db, Role.provincial_officer, "84", "page viewer")
    params = {"province_code": "84", "year": YEAR}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as officer:
        report = (await officer.get(f"{API}/reports/progress", params=params)).json()

    with Gateway(server, key) as gateway:
        url = f"{gateway.base}{PAGE}?province_code=84&year={YEAR}"
        dumped = chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
        assert dumped.returncode == 0, dumped.stderr.decode()[-2000:]
        dom = dumped.stdout.decode("utf-8")
        screenshot = tmp_path / "progress-84.png"
        shot = chromium(
            f"--screenshot={screenshot}", "--window-size=1280,2400", url, profile=tmp_path / "profile-shot"
        )
        assert shot.returncode == 0, shot.stderr.decode()[-2000:]
        printed = tmp_path / "progress-84.pdf"
        pdf = chromium(
            f"--print-to-pdf={printed}", "--no-pdf-header-footer", url, profile=tmp_path / "profile-pdf"
        )
        assert pdf.returncode == 0, pdf.stderr.decode()[-2000:]

    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000
    assert printed.read_bytes().startswith(b"%PDF")
    print(f"progress page artefacts: {screenshot} {printed}")

    # The browser fetched the page and nothing else (no CDN, no fonts, no scripts from anywhere).
    assert {p for p in gateway.requests if p != "/favicon.ico"} == {f"{PAGE}?province_code=84&year={YEAR}"}

    page = Figures()
    page.feed(dom)
    assert all(u.startswith(f"{PAGE}?") for u in page.urls), page.urls
    assert "รายงานความก้าวหน้าการส่งเสริมกระบวนการแผนชุมชน" in dom and "จังหวัดสุราษฎร์ธานี" in dom

    totals, rows = report["totals"], report["breakdown"]
    shown = page.figures
    assert number(shown["total", "villages"]) == str(totals["villages"])
    assert number(shown["total", "activities.total"]) == str(totals["activities"]["total"])
    assert number(shown["total", "adopted_budget_text"].removesuffix("บาท")) == totals["adopted_budget"]
    assert number(shown["total", "forums.held"]) == str(totals["forums"]["held"])
    assert number(shown["total", "forums.target"].removesuffix("ครั้ง")) == str(totals["forums"]["target"])
    assert shown["total", "forums.met"] == ("ผ่าน" if totals["forums"]["met"] else "ยังไม่ผ่าน")
    for key_ in SHARES:
        figure = totals[key_]
        assert number(shown["total", f"{key_}.count"]) == str(figure["count"]), key_
        assert number(shown["total", f"{key_}.percent"]) == percent(figure["percent"]), key_
        met = {True: "ผ่าน", False: "ยังไม่ผ่าน", None: "–"}[figure["met"]]
        assert shown["total", f"{key_}.met"] == met, key_

    for row in rows:
        code = row["area"]["code"]
        assert number(shown[code, "villages"]) == str(row["villages"]), code
        assert number(shown[code, "activities.total"]) == str(row["activities"]["total"]), code
        assert number(shown[code, "adopted_budget"]) == row["adopted_budget"], code
        assert shown[code, "forums.held"] == f"{row['forums']['held']}/{row['forums']['target']}", code
        for key_ in SHARES:
            assert number(shown[code, f"{key_}.count"]) == str(row[key_]["count"]), (code, key_)
            assert number(shown[code, f"{key_}.percent"]) == percent(row[key_]["percent"]), (code, key_)

    # A bar chart for each figure, with a bar for every district of the province.
    codes = [r["area"]["code"] for r in rows]
    assert set(page.bars) == {*SHARES, "forums"}
    assert all(bars == codes for bars in page.bars.values()), page.bars
    assert dom.count("<svg") == len(page.bars)


async def test_the_page_is_guarded_like_the_api(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)

    async def as_(role: Role, scope: str | None) -> httpx.AsyncClient:
        key = await make_key(db, role, scope, f"page {role}")
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {key}"},
        )

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anon:
        refused = await anon.get(PAGE, params={"province_code": "84"})
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        # A key in the URL is not a credential.
        assert (await anon.get(PAGE, params={"key": "cpk_x", "province_code": "84"})).status_code == 401
    async with await as_(Role.district_officer, "8401") as officer:
        own = await officer.get(PAGE, params={"year": YEAR})
        assert own.status_code == 200
        assert own.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in own.headers["content-security-policy"]
        assert "อำเภอเมืองสุราษฎร์ธานี" in own.text and "ตารางจำแนกตามตำบล" in own.text
        assert (await officer.get(PAGE, params={"province_code": "84"})).status_code == 403
        assert (await officer.get(PAGE, params={"district_code": "8402"})).status_code == 403
        bad = await officer.get(PAGE, params={"year": 3000}, headers={"Accept-Language": "th"})
        assert bad.status_code == 422 and bad.json()["title"] == "ข้อมูลที่ส่งมาไม่ถูกต้อง"
    async with await as_(Role.village_committee, "84010101") as committee:
        assert (await committee.get(PAGE)).status_code == 403
    # Not part of the API document.
    assert PAGE not in (await client.get("/openapi.json")).json()["paths"]
