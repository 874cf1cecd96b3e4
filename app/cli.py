"""The `cplan` command: serve, worker, migrate, create-api-key, demo, import, rotate-keys, check-reports."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from app.core.actor import Role
from app.core.config import get_settings

cli = typer.Typer(help="Community Plans API (แผนชุมชน)", no_args_is_help=True, add_completion=False)
console = Console()


def _migrate_embedded() -> None:
    settings = get_settings()
    if settings.is_sqlite:
        from app.migrations import upgrade

        upgrade(settings.database_url)


def _check_keys() -> None:
    """Refuse to start without a usable key (PostgreSQL with none configured, a missing key file), with
    the reason and the settings to fix; on SQLite make the key file now, before any process serves."""
    from app.core.db import database_from_settings
    from app.core.secrets import KeyConfigError, load_keys

    async def run() -> None:
        db = database_from_settings(get_settings())
        try:
            await load_keys(get_settings(), db.engine)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except KeyConfigError as exc:
        console.print(f"[red]cannot start:[/] {exc}", highlight=False)
        raise typer.Exit(1) from exc


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    worker: Annotated[
        bool,
        typer.Option(help="Deliver webhooks and run bulk jobs in this process too (--no-worker: not)"),
    ] = True,
) -> None:
    """Start the API. On the embedded SQLite database, migrate first so the first run just works."""
    import os

    import uvicorn

    from app.core.logs import configure_logging, logging_config

    if not worker:
        os.environ["DELIVER_IN_PROCESS"] = "false"
        get_settings.cache_clear()

    configure_logging(get_settings().log_level)  # what migrating and the key file say is JSON too
    _migrate_embedded()
    _check_keys()
    settings = get_settings()
    if settings.is_sqlite:
        _first_run_key()
    import importlib.util

    stack = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name) is not None]
    console.print(
        f"[bold]Community Plans API[/] on http://{host}:{port}  (docs: /docs, database: "
        f"{'SQLite' if settings.is_sqlite else 'PostgreSQL'}, server: uvicorn"
        f"{' with ' + ' and '.join(stack) if stack else ''})"
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # JSON lines on stderr in every worker process; each request is logged once, by the app
        # (`app.request`), so uvicorn's access log is off.
        log_config=logging_config(settings.log_level),
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
    )


def _first_run_key() -> None:
    """On an embedded install with no keys yet, make the first admin key so the newcomer can call the API."""
    from sqlalchemy import func, select

    from app.auth.models import ApiKey
    from app.auth.service import create_api_key as create
    from app.core.db import database_from_settings

    async def run() -> str | None:
        db = database_from_settings(get_settings())
        try:
            async with db.session() as session:
                if (await session.execute(select(func.count()).select_from(ApiKey))).scalar_one():
                    return None
                _, plain = await create(session, name="first admin", role=Role.admin, scope_code=None)
                await session.commit()
                return plain
        finally:
            await db.dispose()

    plain = asyncio.run(run())
    if plain:
        console.print("[bold green]First run:[/] an admin API key was made for you. It is shown only once:")
        print(plain, flush=True)


@cli.command("worker")
def worker_command(
    heartbeat: Annotated[
        Path | None,
        typer.Option(
            help="Touch this file every 10 s while the worker's loop runs and its database answers "
            "(for a container healthcheck: the file's age)"
        ),
    ] = None,
) -> None:
    """Deliver webhooks and work through bulk jobs in this process until stopped (SIGTERM or Ctrl-C);
    run as many as you like on PostgreSQL."""
    import signal

    from app.bulk.runner import BulkJobRunner
    from app.core.db import database_from_settings
    from app.core.logs import configure_logging
    from app.webhooks.worker import DeliveryWorker

    _migrate_embedded()
    _check_keys()
    configure_logging(get_settings().log_level)

    async def run() -> None:
        settings = get_settings()
        db = database_from_settings(settings)
        delivery = DeliveryWorker(db, settings)
        jobs = BulkJobRunner(db, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        console.print("delivering webhooks and running bulk jobs", highlight=False)
        loops = [delivery.run(stop), jobs.run(stop)]
        if heartbeat is not None:
            loops.append(_heartbeat(db, heartbeat, stop))
        try:
            await asyncio.gather(*loops)
        finally:
            await delivery.close()
            await db.dispose()

    asyncio.run(run())


async def _heartbeat(db: Any, path: Path, stop: asyncio.Event, seconds: float = 10.0) -> None:
    """Touch `path` while the event loop runs and the database answers; a stuck worker lets it age."""
    from sqlalchemy import text

    while not stop.is_set():
        try:
            async with asyncio.timeout(seconds):
                async with db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            await asyncio.to_thread(path.touch)
        except Exception as error:  # the file ages; the healthcheck reports it
            logging.getLogger("cplan.worker").warning("heartbeat: database did not answer: %s", error)
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass


@cli.command()
def migrate() -> None:
    """Migrate the database to the newest schema and load reference data (safe to run concurrently)."""
    from app.migrations import upgrade

    upgrade(get_settings().database_url)
    console.print("database is at the newest migration")


@cli.command("check-reports")
def check_reports(
    repair: Annotated[
        bool, typer.Option("--repair", help="Rebuild every tally from scratch when any differs")
    ] = False,
) -> None:
    """Compare the progress report's tallies (kept by the database on every write) with the same figures
    computed from scratch; exit 1 if any differs (and, with --repair, rebuild them)."""
    from app.core.db import database_from_settings
    from app.reports import tally

    _migrate_embedded()

    async def run() -> list[tally.Drift]:
        db = database_from_settings(get_settings())
        try:
            async with db.session() as session:
                drift = await tally.check(session)
                if drift and repair:
                    await tally.rebuild(session)
                    await session.commit()
                return drift
        finally:
            await db.dispose()

    drift = asyncio.run(run())
    for d in drift[:20]:
        console.print(f"{d.table} {d.key}: kept {d.kept}, from scratch {d.from_scratch}", highlight=False)
    if not drift:
        console.print("[green]the report's tallies match the data[/]")
        return
    console.print(
        f"[red]{len(drift)} tally rows differ[/]" + (": rebuilt from scratch" if repair else ""),
        highlight=False,
    )
    raise typer.Exit(1)


@cli.command("rotate-keys")
def rotate_keys(
    reencrypt_only: Annotated[
        bool,
        typer.Option(
            "--reencrypt-only",
            help="No new key: re-encrypt webhook secrets with the current one (after changing SECRET_KEY)",
        ),
    ] = False,
) -> None:
    """Put a new key first in the key file (made if there is none), keep the older ones for reading, and
    re-encrypt every webhook secret with the new key. Restart the API processes afterwards: they sign with
    the new key from then on, and user tokens signed before stop working (users sign in again)."""
    from app.core.db import database_from_settings
    from app.core.secrets import (
        KeyConfigError,
        forget_legacy_key,
        key_source,
        load_keys,
        new_key,
        rotate_key_file,
    )
    from app.webhooks.secrets import reencrypt_all

    settings = get_settings()
    _migrate_embedded()
    try:
        given = key_source(settings).file is None
    except KeyConfigError as exc:  # PostgreSQL with no SECRET_KEY_FILE: where to make the key is not known
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc
    if given and not reencrypt_only:
        console.print(
            "[red]SECRET_KEY is set in the environment: cplan cannot change it.[/] To rotate, set "
            "SECRET_KEY_PREVIOUS to the current SECRET_KEY (comma-separated after any older ones still "
            "needed) and SECRET_KEY to a new random value, for example:",
            highlight=False,
        )
        print(new_key())
        console.print("then run `cplan rotate-keys --reencrypt-only` and restart the API processes.")
        raise typer.Exit(1)

    async def run() -> tuple[str, int, list[int], int]:
        db = database_from_settings(settings)
        try:
            where = "SECRET_KEY"
            kept = len(settings.previous_secret_keys)
            if not reencrypt_only:
                path, keys_in_file = await rotate_key_file(settings, db.engine)
                where, kept = str(path), len(keys_in_file) - 1
            keys = await load_keys(settings, db.engine)
            async with db.engine.connect() as raw:
                conn = await raw.execution_options(sqlite_immediate=True) if db.is_sqlite else raw
                async with conn.begin():
                    done, unreadable = await reencrypt_all(conn, keys.fernet)
                    if not unreadable:
                        await forget_legacy_key(conn)  # nothing needs the database's old key any more
            return where, done, unreadable, kept
        finally:
            await db.dispose()

    try:
        where, done, unreadable, kept = asyncio.run(run())
    except KeyConfigError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from exc
    if not reencrypt_only and not kept:
        console.print(f"key file {where} made", highlight=False)
    elif not reencrypt_only:
        console.print(f"new key written first in {where}; {kept} older key(s) kept after it for reading")
    console.print(f"{done} webhook secret(s) re-encrypted with the current key", highlight=False)
    if unreadable:
        console.print(
            f"[yellow]not readable with any key in force, left as they were:[/] subscriptions "
            f"{', '.join(map(str, unreadable))} (rotate their secrets)",
            highlight=False,
        )
    if not reencrypt_only and kept:
        console.print(
            "restart the API processes: they sign with the new key from then on, and user tokens signed "
            "before stop working (users sign in again); workers pick the new key up by themselves"
        )


@cli.command("create-api-key")
def create_api_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for")],
    role: Annotated[Role, typer.Option(help="Role of the key (admin sees and may do everything)")],
    scope: Annotated[str | None, typer.Option(help="Scope code the role needs (none for admin)")] = None,
) -> None:
    """Create an API key and print it once. Only its hash is kept."""
    from app.audit.recorder import act_as
    from app.auth.service import create_api_key as create
    from app.core.actor import Actor
    from app.core.db import database_from_settings

    if role is not Role.admin and not scope:
        raise typer.BadParameter("this role needs --scope", param_hint="--scope")
    _migrate_embedded()

    async def run() -> str:
        db = database_from_settings(get_settings())
        try:
            async with db.session() as session:
                act_as(
                    session,
                    Actor(principal="cli", name="cplan create-api-key", role=Role.admin, scope_code=None),
                )
                _, plain = await create(session, name=name, role=role, scope_code=scope)
                await session.commit()
                return plain
        finally:
            await db.dispose()

    plain = asyncio.run(run())
    console.print("[green]API key created.[/] It is shown only this once; keep it safe:", highlight=False)
    print(plain)


@cli.command()
def demo(
    province: Annotated[str, typer.Option(help="Province code to load")] = "84",
) -> None:
    """Load a demo province's local governments and villages (through the same rules as the API)."""
    from app.audit.recorder import act_as
    from app.core.actor import Actor
    from app.core.db import database_from_settings
    from app.demo import local_governments, villages
    from app.local_governments import service as lgo_service
    from app.local_governments.repository import get as get_lgo
    from app.local_governments.schemas import LocalGovernmentCreate
    from app.villages import service as village_service
    from app.villages.repository import exists as village_exists
    from app.villages.schemas import VillageCreate

    SYSTEM = Actor(principal="cli:demo", name="cplan demo", role=Role.admin, scope_code=None)
    _migrate_embedded()

    async def run() -> tuple[int, int]:
        db = database_from_settings(get_settings())
        made_lgos = made_villages = 0
        try:
            async with db.session() as session:
                act_as(session, SYSTEM)
                for lgo in local_governments(province):
                    if await get_lgo(session, lgo.code) is None:
                        await lgo_service.create(
                            session,
                            SYSTEM,
                            LocalGovernmentCreate(
                                code=lgo.code,
                                name_th=lgo.name_th,
                                kind=lgo.kind,
                                province_code=lgo.province_code,
                                subdistrict_codes=list(lgo.subdistrict_codes),
                            ),
                        )
                        made_lgos += 1
                for v in villages(province):
                    if not await village_exists(session, v.code):
                        await village_service.create(
                            session,
                            SYSTEM,
                            VillageCreate(
                                code=v.code,
                                name_th=v.name_th,
                                households=v.households,
                                population=v.population,
                                local_government_code=v.local_government_code,
                            ),
                        )
                        made_villages += 1
                await session.commit()
        finally:
            await db.dispose()
        return made_lgos, made_villages

    lgos, vills = asyncio.run(run())
    console.print(f"demo province {province}: {lgos} local governments and {vills} villages added")


audit_cli = typer.Typer(help="The audit log", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; name the first entry that does not match (and exit 1)."""
    from app.audit.chain import verify
    from app.core.db import database_from_settings

    async def run() -> Any:
        db = database_from_settings(get_settings())
        try:
            return await verify(db.engine)
        finally:
            await db.dispose()

    verdict = asyncio.run(run())
    if not verdict.ok:
        console.print(
            f"[red]audit log broken[/] at entry {verdict.bad_id}: {verdict.reason} "
            f"({verdict.checked} entries before it are intact)",
            highlight=False,
        )
        raise typer.Exit(1)
    console.print(f"[green]audit log intact[/]: {verdict.checked} entries verified", highlight=False)


class ImportKind(enum.StrEnum):
    villages = "villages"
    local_governments = "local-governments"
    plans = "plans"
    activities = "activities"


@cli.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or NDJSON file")
    ],
    kind: Annotated[ImportKind, typer.Option(help="What the file holds")],
    mode: Annotated[str, typer.Option(help="atomic (all rows or none) or partial")] = "atomic",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing")] = False,
    on_conflict: Annotated[str, typer.Option(help="error, skip or update rows that exist")] = "error",
    url: Annotated[str, typer.Option(envvar="CPLAN_URL", help="The API's address")] = "http://127.0.0.1:8000",
    key: Annotated[str, typer.Option(envvar="CPLAN_API_KEY", help="An API key (cpk_…)")] = "",
) -> None:
    """Send a bulk file to the API with a progress bar, and show every rejected row."""
    import httpx
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
    from rich.table import Table

    if not key:
        raise typer.BadParameter("give an API key with --key or CPLAN_API_KEY", param_hint="--key")
    content_type = "application/x-ndjson" if file.suffix.lower() in (".ndjson", ".jsonl") else "text/csv"
    size = file.stat().st_size
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"uploading {file.name}", total=size)

        def chunks() -> Iterator[bytes]:
            with file.open("rb") as handle:
                while chunk := handle.read(256 * 1024):
                    progress.update(task, advance=len(chunk))
                    yield chunk

        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/bulk/{kind.value}",
            params={"mode": mode, "dry_run": str(dry_run).lower(), "on_conflict": on_conflict},
            content=chunks(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
            timeout=None,
        )
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    if response.status_code == 202:
        body = _follow_job(url, key, response.headers["location"], body)
        if body.get("status") == "failed" and body.get("problem"):
            problem = body["problem"]
            body = {**problem, "errors": body.get("errors") or problem.get("errors") or []}
            response = httpx.Response(problem.get("status", 422))
    report = body.get("bulk", body)
    if response.status_code >= 400 and not body.get("errors"):
        console.print(
            f"[red]{response.status_code}[/] {body.get('title', '')}: {body.get('detail', response.text)}"
        )
        raise typer.Exit(1)
    console.print(
        f"received {report.get('received', 0)}, created {report.get('created', 0)}, "
        f"updated {report.get('updated', 0)}, skipped {report.get('skipped', 0)}, "
        f"rejected {report.get('rejected', 0)}" + (" (dry run)" if dry_run else "")
    )
    errors = body.get("errors") or []
    if errors:
        table = Table("row", "field", "reason", title="rejected rows")
        for error in errors:
            table.add_row(str(error.get("row", "")), error["field"], error["message"])
        console.print(table)
        if response.status_code >= 400:
            console.print(f"[red]{body.get('detail', '')}[/]")
        raise typer.Exit(1)


def _follow_job(url: str, key: str, location: str, job: dict[str, Any]) -> dict[str, Any]:
    """A large upload became a job: show its rows as they are done, until it ends."""
    import time

    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console.print(f"the server made a job of it: {location}")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("rows done", total=job.get("rows_expected") or None)
        with httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}) as client:
            while job.get("status") in ("queued", "running"):
                time.sleep(0.5)
                answer = client.get(location, timeout=30)
                answer.raise_for_status()
                job = answer.json()
                progress.update(task, completed=job.get("rows_done", 0))
    return job


def main() -> None:
    from app.webhooks.fanout import install as install_fan_out

    install_fan_out()  # every event a subcommand emits gets its webhook deliveries
    cli()


if __name__ == "__main__":
    main()
