"""The `cplan` command as a newcomer uses it: real processes on a fresh SQLite file."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CPLAN = [sys.executable, "-m", "app.cli"]
ROOT = Path(__file__).resolve().parents[1]


def _env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'cplan.db'}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_serve_migrates_prints_a_key_and_answers_77_provinces(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*CPLAN, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        key = None
        deadline = time.monotonic() + 60
        while key is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.strip().startswith("cpk_"):
                key = line.strip()
        assert key, "serve did not print a first admin key"
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        response = httpx.get(
            f"{base}/api/v1/provinces", params={"limit": 500}, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200
        assert len(response.json()["items"]) == 77
        assert httpx.get(f"{base}/api/v1/provinces").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_create_api_key_prints_a_working_key_once(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = subprocess.run(
        [*CPLAN, "create-api-key", "--name", "ops", "--role", "admin"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("cpk_") and len(key) > 40
    # Only a hash is stored: the plain key appears nowhere in the database file.
    assert key.encode() not in (tmp_path / "cplan.db").read_bytes()


def test_a_key_without_a_role_is_refused(tmp_path: Path) -> None:
    """No silent admin: the role is always said."""
    result = subprocess.run(
        [*CPLAN, "create-api-key", "--name", "x"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--role" in result.stdout + result.stderr
    assert not (tmp_path / "cplan.db").exists() or b"cpk_" not in (tmp_path / "cplan.db").read_bytes()


def test_scoped_role_without_scope_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CPLAN, "create-api-key", "--name", "x", "--role", "district_officer"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--scope" in result.stdout + result.stderr


@pytest.mark.parametrize("province", ["26"])
def test_demo_loads_villages_once(tmp_path: Path, province: str) -> None:
    env = _env(tmp_path)
    first = subprocess.run(
        [*CPLAN, "demo", "--province", province],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    made = re.search(r"(\d+) local governments and (\d+) villages added", first.stdout)
    assert made and int(made.group(1)) > 0 and int(made.group(2)) > 0, first.stdout
    again = subprocess.run(
        [*CPLAN, "demo", "--province", province],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "0 local governments and 0 villages added" in again.stdout


@pytest.mark.parametrize("as_job", [False, True], ids=["answered-at-once", "made-a-job"])
def test_import_sends_a_file_and_shows_rejected_rows(tmp_path: Path, as_job: bool) -> None:
    env = _env(tmp_path)
    if as_job:  # every upload over one row becomes a job, run by the server's own runner
        env["BULK_JOB_THRESHOLD_ROWS"] = "1"
    port = _free_port()
    key = (
        subprocess.run(
            [*CPLAN, "create-api-key", "--name", "import", "--role", "admin"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [*CPLAN, "serve", "--port", str(port), *([] if as_job else ["--no-worker"])],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        data = tmp_path / "villages.csv"
        data.write_bytes(
            "code,name_th,households\r\n84010101,บ้านดอน,10\r\n84010100,บ้านผิด,5\r\n".encode("cp874")
        )
        env_with_key = {**env, "CPLAN_URL": base, "CPLAN_API_KEY": key}
        result = subprocess.run(
            [*CPLAN, "import", str(data), "--kind", "villages", "--mode", "partial"],
            cwd=tmp_path,
            env=env_with_key,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "created 1" in result.stdout and "rejected 1" in result.stdout
        assert "rejected rows" in result.stdout and "code" in result.stdout
        assert ("the server made a job of it" in result.stdout) == as_job
        village = httpx.get(f"{base}/api/v1/villages/84010101", headers={"Authorization": f"Bearer {key}"})
        assert village.json()["name_th"] == "บ้านดอน"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_worker_heartbeat_is_fresh_while_it_runs_and_it_stops_on_sigterm(tmp_path: Path) -> None:
    """The compose healthcheck reads the heartbeat file's age; SIGTERM (docker stop) ends the worker."""
    import signal

    beat = tmp_path / "alive"
    worker = subprocess.Popen(
        [*CPLAN, "worker", "--heartbeat", str(beat)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not beat.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert beat.exists(), "the worker never touched its heartbeat file"
        assert time.time() - beat.stat().st_mtime < 15
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
