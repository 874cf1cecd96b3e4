"""Loads the `geothai` package's areas into the database and records which data version is there."""

from __future__ import annotations

import geothai
from sqlalchemy import Connection, select, text, update

from app.core.models import AppSetting
from app.geography.models import District, Province, Subdistrict

VERSION_SETTING = "geothai_data_version"


def _all_districts() -> list[geothai.District]:
    return [d for p in geothai.provinces() for d in geothai.districts(p.code)]


def _all_subdistricts() -> list[geothai.Subdistrict]:
    return [s for d in _all_districts() for s in geothai.subdistricts(d.code)]


def sync_geography(conn: Connection) -> bool:
    """Bring the areas up to the installed `geothai` version; True when anything was written.

    Areas are added and renamed, never deleted: villages may still point at an area that a later data
    release abolished.
    """
    settings = AppSetting.__table__  # type: ignore[attr-defined]
    stored = conn.execute(select(settings.c.value).where(settings.c.name == VERSION_SETTING)).scalar()
    if stored == geothai.DATA_VERSION:
        return False
    tables: list[tuple[type, list[dict[str, str]]]] = [
        (
            Province,
            [{"code": p.code, "name_th": p.name_th, "name_en": p.name_en} for p in geothai.provinces()],
        ),
        (
            District,
            [
                {"code": d.code, "name_th": d.name_th, "name_en": d.name_en, "province_code": d.province_code}
                for d in _all_districts()
            ],
        ),
        (
            Subdistrict,
            [
                {
                    "code": s.code,
                    "name_th": s.name_th,
                    "name_en": s.name_en,
                    "district_code": s.district_code,
                    "province_code": s.province_code,
                }
                for s in _all_subdistricts()
            ],
        ),
    ]
    for model, rows in tables:
        table = model.__table__  # type: ignore[attr-defined]
        existing = {r.code: r for r in conn.execute(select(table))}
        new = [r for r in rows if r["code"] not in existing]
        if new:
            conn.execute(table.insert(), new)
        for row in rows:
            old = existing.get(row["code"])
            if old is not None and (old.name_th, old.name_en) != (row["name_th"], row["name_en"]):
                conn.execute(
                    update(table)
                    .where(table.c.code == row["code"])
                    .values(name_th=row["name_th"], name_en=row["name_en"])
                )
    conn.execute(text("DELETE FROM app_setting WHERE name = :n"), {"n": VERSION_SETTING})
    conn.execute(
        AppSetting.__table__.insert(),  # type: ignore[attr-defined]
        [{"name": VERSION_SETTING, "value": geothai.DATA_VERSION}],
    )
    return True
