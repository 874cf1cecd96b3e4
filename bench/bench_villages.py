"""Village read throughput: the real app against a bare Starlette + asyncpg baseline on the same database.

Starts both servers (one uvicorn process each, loopback only), checks that they answer the same JSON, then
drives each with wrk for a fixed time per scenario, same concurrency for both:

- get:  GET /api/v1/villages/{code} over random existing village codes;
- list: GET /api/v1/villages?district_code=XXXX&limit=50 over random districts that have villages.

Prints a table and writes bench/results/villages.json. Needs the dataset (bench/dataset.py) and wrk.

    python bench/bench_villages.py [--duration 10] [--connections 32] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from dataset import asyncpg_dsn, create_admin_key, database_url
from rich.console import Console
from rich.table import Table

from app.migrations import upgrade

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "random_paths.lua"
DEFAULT_OUTPUT = BENCH_DIR / "results" / "villages.json"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
NOISY = 0.15  # cores of CPU used by other processes during a run above which its figures are suspect
GOAL = 0.5
SCENARIOS = {
    "get": "GET /api/v1/villages/{code}",
    "list": "GET /api/v1/villages?district_code=XXXX&limit=50",
}
console = Console()


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time all cores have spent running processes (user, nice, system) since boot.

    Interrupt time is left out: loopback networking is charged there, and it grows with the load we make.
    """
    user, nice, system = (int(x) for x in Path("/proc/stat").read_text().split(maxsplit=4)[1:4])
    return (user + nice + system) / CLK_TCK


def steal_seconds() -> float:
    """CPU time the hypervisor gave to other guests while this machine wanted it, since boot."""
    return int(Path("/proc/stat").read_text().split(maxsplit=9)[8]) / CLK_TCK


def postgres_cpu_seconds(database: str) -> float:
    """CPU time of the PostgreSQL backends now connected to `database` (ones that already ended are lost)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f" {database} ".encode() in (entry / "cmdline").read_bytes().split(b"\0", 1)[0]:
                    total += cpu_seconds(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return total


def wait_for_quiet(limit: float = 30) -> float:
    """Wait (at most `limit` seconds) for a second in which other jobs leave the CPUs idle; their load."""
    deadline = time.monotonic() + limit
    while True:
        start = machine_busy_seconds()
        time.sleep(1)
        busy = machine_busy_seconds() - start
        if busy <= NOISY or time.monotonic() > deadline:
            return busy


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_server(name: str, target: str, env: dict[str, str], uvicorn_args: list[str], logs: Path) -> Server:
    port = free_port()
    log = logs / f"{name}.log"
    command = [sys.executable, "-m", "uvicorn", target, "--factory", "--host", HOST, "--port", str(port)]
    command += ["--log-level", "warning", *uvicorn_args]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name, process, f"http://{HOST}:{port}", log)


def wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(server.base_url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after {timeout} s:\n{server.log.read_text()[-3000:]}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


async def sample_paths(url: str, rng: random.Random) -> dict[str, list[str]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        codes = [r[0] for r in await conn.fetch("SELECT code FROM village")]
        districts = [r[0] for r in await conn.fetch("SELECT DISTINCT district_code FROM village")]
    finally:
        await conn.close()
    if not codes:
        raise SystemExit("no villages: run `python bench/dataset.py` first")
    rng.shuffle(codes)
    rng.shuffle(districts)
    return {
        "get": [f"/api/v1/villages/{c}" for c in codes],
        "list": [f"/api/v1/villages?district_code={d}&limit=50" for d in districts],
    }


def verify(app: Server, baseline: Server, key: str, paths: list[str]) -> None:
    """Both servers answer 200 with the same JSON (cursors are signed with different secrets)."""
    with httpx.Client(timeout=10) as client:
        for path in paths:
            got = client.get(app.base_url + path, headers={"Authorization": f"Bearer {key}"})
            want = client.get(baseline.base_url + path)
            if got.status_code != 200 or want.status_code != 200:
                raise RuntimeError(f"{path}: app {got.status_code}, baseline {want.status_code}: {got.text}")
            a, b = got.json(), want.json()
            if "next_cursor" in a:
                if (a["next_cursor"] is None) != (b["next_cursor"] is None):
                    raise RuntimeError(f"{path}: next_cursor differs")
                a["next_cursor"] = b["next_cursor"] = None
            if a != b:
                raise RuntimeError(f"{path}: bodies differ\napp:      {a}\nbaseline: {b}")


def run_wrk(
    server: Server,
    paths_file: Path,
    seconds: float,
    connections: int,
    threads: int,
    key: str | None,
    database: str,
) -> dict[str, Any]:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "5s"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    command += ["-s", str(LUA_SCRIPT), server.base_url, "--", str(paths_file)]
    before = (
        cpu_seconds(server.process.pid),
        children_cpu_seconds(),
        postgres_cpu_seconds(database),
        machine_busy_seconds(),
        steal_seconds(),
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    cpu, wrk_cpu, pg_cpu, busy, steal = (
        after - start
        for after, start in zip(
            (
                cpu_seconds(server.process.pid),
                children_cpu_seconds(),
                postgres_cpu_seconds(database),
                machine_busy_seconds(),
                steal_seconds(),
            ),
            before,
            strict=True,
        )
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    duration = raw["duration_us"] / 1e6
    socket_errors = raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    return {
        "requests": raw["requests"],
        "duration_s": round(duration, 3),
        "rps": round(raw["requests"] / duration, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["non200"] + socket_errors,
        "non200": raw["non200"],
        "socket_errors": socket_errors,
        "server_cpu_util": round(cpu / duration, 3),
        "server_cpu_us_per_request": round(cpu / max(raw["requests"], 1) * 1e6, 1),
        "postgres_cpu_util": round(pg_cpu / duration, 3),
        "wrk_cpu_util": round(wrk_cpu / duration, 3),
        # CPU the rest of the machine used meanwhile (other jobs), plus CPU the hypervisor took away:
        # high values mean noisy figures.
        "foreign_cpu_util": round(max(0.0, busy - cpu - wrk_cpu - pg_cpu) / duration, 3),
        "steal_cpu_util": round(steal / duration, 3),
    }


def noise(run: dict[str, Any]) -> float:
    """Cores taken from the benchmark during a run by other jobs and by the hypervisor."""
    return float(run["foreign_cpu_util"] + run["steal_cpu_util"])


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput (the lower middle one for an even count), plus all rps."""
    ordered = sorted(runs, key=lambda r: r["rps"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["errors"] = sum(r["errors"] for r in runs)
    chosen["rounds_rps"] = [r["rps"] for r in runs]
    return chosen


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def report(results: dict[str, Any]) -> None:
    table = Table(title="Villages: app vs bare Starlette + asyncpg baseline")
    for column in ("scenario", "server", "rps", "p50 ms", "p99 ms", "CPU µs/req", "errors", "ratio"):
        table.add_column(column, justify="left" if column in {"scenario", "server"} else "right")
    for name, scenario in results["scenarios"].items():
        for server in ("app", "baseline"):
            r = scenario[server]
            ratio = ""
            if server == "app":
                mark = "[green]" if scenario["ratio"] >= GOAL else "[red]"
                ratio = f"{mark}{scenario['ratio']:.2f}"
            table.add_row(
                name if server == "app" else "",
                server,
                f"{r['rps']:,.0f}" + (" *" if noise(r) > NOISY else ""),
                f"{r['p50_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['server_cpu_us_per_request']:,.0f}",
                str(r["errors"]),
                ratio,
            )
    console.print(table)
    if any(noise(s[k]) > NOISY for s in results["scenarios"].values() for k in ("app", "baseline")):
        console.print("* other jobs or the hypervisor took CPU during these runs even after retries: suspect")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per run (default 10)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per server and scenario; median kept")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append", help="default: all")
    parser.add_argument(
        "--uvicorn-arg", action="append", default=[], help="extra uvicorn option, both servers"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    diagnostics = parser.add_argument_group("diagnostics (A/B experiments, not the headline figures)")
    diagnostics.add_argument(
        "--app-factory", default="app.main:create_app", help="uvicorn factory of the app under test"
    )
    diagnostics.add_argument("--app-dir", help="directory to import --app-factory from")
    diagnostics.add_argument(
        "--baseline-transaction", action="store_true", help="baseline wraps each query in BEGIN/COMMIT"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 60 or not 1 <= args.rounds <= 10:
        parser.error("keep runs bounded: duration 1-120 s, warm-up 0-60 s, rounds 1-10")
    return args


def measure(
    args: argparse.Namespace,
    app: Server,
    baseline: Server,
    key: str,
    path_file: Path,
    name: str,
    database: str,
) -> dict[str, Any]:
    """Warm-up and measured runs of one scenario on both servers, alternating which goes first.

    Each run waits (30 s at most) for other jobs to leave the CPUs idle; a run during which they used
    the CPU noticeably all the same is redone (twice at most), and the quietest attempt is kept.
    """
    runs: dict[str, list[dict[str, Any]]] = {"app": [], "baseline": []}
    for round_no in range(args.rounds):
        for server in [app, baseline] if round_no % 2 == 0 else [baseline, app]:
            auth = key if server is app else None
            attempts: list[dict[str, Any]] = []
            while len(attempts) < 3 and (not attempts or noise(attempts[-1]) > NOISY):
                wait_for_quiet()
                if args.warmup:
                    run_wrk(server, path_file, args.warmup, args.connections, args.threads, auth, database)
                run = run_wrk(
                    server, path_file, args.duration, args.connections, args.threads, auth, database
                )
                print(
                    f"  {name:<4} {server.name:<8} round {round_no + 1}: {run['rps']:>8,.0f} rps, "
                    f"p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, "
                    f"{run['server_cpu_us_per_request']:,.0f} µs CPU/req, errors {run['errors']}"
                    + (
                        f"  (noisy: other jobs and the hypervisor took {noise(run):.2f} cores)"
                        if noise(run) > NOISY
                        else ""
                    ),
                    flush=True,
                )
                attempts.append(run)
            runs[server.name].append(min(attempts, key=noise))
    app_result, baseline_result = median_run(runs["app"]), median_run(runs["baseline"])
    return {
        "request": SCENARIOS[name],
        "app": app_result,
        "baseline": baseline_result,
        "ratio": round(app_result["rps"] / baseline_result["rps"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    url = database_url()
    database = url.rsplit("/", 1)[-1].split("?", 1)[0]
    started = time.perf_counter()
    busy_before = wait_for_quiet(limit=10)
    if busy_before > NOISY:
        console.print(f"[yellow]Other jobs are using {busy_before:.1f} cores: figures may be noisy.")
    upgrade(url)  # a no-op unless the app gained migrations since bench/dataset.py ran
    paths = asyncio.run(sample_paths(url, random.Random(20251123)))
    key = asyncio.run(create_admin_key(url, name="bench_villages"))
    scenarios = args.scenario or list(SCENARIOS)
    results: dict[str, Any] = {"scenarios": {}}

    with tempfile.TemporaryDirectory(prefix="cplan-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        app_args = [*(["--app-dir", args.app_dir] if args.app_dir else []), *args.uvicorn_arg]
        app = start_server("app", args.app_factory, {"DATABASE_URL": url}, app_args, work)
        stack.callback(stop_server, app)
        baseline = start_server(
            "baseline",
            "baseline_app:create_app",
            {
                "BASELINE_DSN": asyncpg_dsn(url),
                "BASELINE_TRANSACTION": "1" if args.baseline_transaction else "",
            },
            ["--app-dir", str(BENCH_DIR), *args.uvicorn_arg],
            work,
        )
        stack.callback(stop_server, baseline)
        try:
            wait_ready(app, "/readyz")  # database reachable and migrated to head
            wait_ready(baseline, "/healthz")
            for name in scenarios:
                verify(app, baseline, key, paths[name][:25])
            console.print(
                f"Both servers answer alike. {args.rounds} round(s) of {args.warmup:g} s warm-up + "
                f"{args.duration:g} s, {args.connections} connections, per server and scenario."
            )
            for name in scenarios:
                path_file = work / f"{name}.paths"
                path_file.write_text("\n".join(paths[name]) + "\n")
                results["scenarios"][name] = measure(args, app, baseline, key, path_file, name, database)
        except Exception:
            for server in (app, baseline):
                console.print(f"[red]{server.name} log (tail):")
                console.print(server.log.read_text()[-3000:], markup=False, highlight=False)
            raise

        for server in (app, baseline):
            errors_logged = server.log.read_text().count("Traceback")
            if errors_logged:
                console.print(f"[yellow]{server.name} logged {errors_logged} tracebacks during the run")
                console.print(server.log.read_text()[-2000:], markup=False, highlight=False)

    results["meta"] = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": url.rsplit("@", 1)[-1],
        "villages": len(paths["get"]),
        "districts": len(paths["list"]),
        "load_generator": "wrk",
        "connections": args.connections,
        "wrk_threads": args.threads,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "uvicorn_args": args.uvicorn_arg,
        # uvicorn's loop and http "auto" pick these when installed (they are project dependencies): both
        # servers run on the same stack, the fastest a user deploys with `cplan serve`.
        "server_stack": [m for m in ("uvloop", "httptools") if importlib.util.find_spec(m) is not None]
        or ["asyncio", "h11"],
        "app_factory": args.app_factory,
        "baseline_transaction": args.baseline_transaction,
        "goal_ratio": GOAL,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "busy_cores_before": round(busy_before, 2),
    }
    report(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    console.print(f"Written {args.output} ({results['meta']['elapsed_s']} s)")
    errors = sum(s[k]["errors"] for s in results["scenarios"].values() for k in ("app", "baseline"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
