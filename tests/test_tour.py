"""The README's tour (docs/tour.sh) runs as written against a live `cplan serve` on loopback, with its real
webhook receiver: it ends with a certified plan, grade A, a book that says it exists, a verified signed
webhook and a bulk import of the template's example rows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.test_cli import ROOT, _env, _free_port

BIN = Path(sys.executable).parent


@pytest.mark.skipif(shutil.which("curl") is None, reason="the tour uses curl")
def test_the_readme_tour_runs_to_a_certified_plan(tmp_path: Path) -> None:
    port, hook_port = _free_port(), _free_port()
    env = {**_env(tmp_path), "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        work = tmp_path / "tour"
        work.mkdir()
        cplan = BIN / "cplan"
        tour_env = {
            **env,
            "CPLAN": str(cplan) if cplan.exists() else f"{sys.executable} -m app.cli",
            "PYTHON": sys.executable,
            "CPLAN_URL": f"http://127.0.0.1:{port}",
            "HOOK_PORT": str(hook_port),
            "TOUR_DIR": str(work),
        }
        result = subprocess.run(
            ["bash", str(ROOT / "docs" / "tour.sh")],
            cwd=tmp_path,
            env=tour_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
    finally:
        server.terminate()
        server.wait(timeout=20)

    # The webhook step: the receiver verified the signature of an activity.adopted delivery.
    received = [json.loads(line) for line in (work / "received.jsonl").read_text().splitlines()]
    assert "activity.adopted" in {r["type"] for r in received}
    # The bulk step imported the template's example rows.
    assert re.search(r"received 2, created 2, .*rejected 0", output)
    # Certified, with quality grade A, and the book says the written plan exists (indicator 2 passes).
    assert "the plan is certified" in output
    assert "quality grade: A" in output
    book = (work / "book.html").read_text(encoding="utf-8")
    cell = r"\s*<td[^>]*>([^<]*)</td>"
    row = re.search(r"<td>มีแผนชุมชนเป็นรูปเล่ม</td>" + cell + cell + r"\s*<td([^>]*)>", book)
    assert row is not None and row.group(1) == "มี" and 'class="center pass"' in row.group(3)
    assert "ระดับ A" in book
    assert (work / "book.pdf").read_bytes().startswith(b"%PDF")
