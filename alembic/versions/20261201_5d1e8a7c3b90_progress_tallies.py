"""progress tallies: the progress report's figures kept by the database, in the writing transaction

`progress_unit` holds, for each village and plan year, the figures of that village's current plan (its newest
revision of the year): assessed, newest quality grade A, certified, and the counts of its activities
(cancelled ones left out), of their adoptions and the adopted budget. `progress_village` counts villages by
area and `progress_forum` district forums by fiscal year. The report sums these instead of scanning millions
of activities.

Triggers keep them exact on every write path, the ORM's, Core's and COPY's alike:

- A unit is never patched by a delta that depends on other rows: any change to a plan, an activity, an
  assessment or an adoption *recomputes* the units it touches from the rows as they are
  (`progress_refresh`). Cascades and statement order therefore cannot double-count or miss a row: whichever
  trigger runs last sees the final rows. On PostgreSQL a refresh first locks the unit's row (making it if
  needed), and only then counts, in a new statement (READ COMMITTED takes a fresh snapshot per statement): a
  concurrent writer of the same unit that committed first is counted, one still open waits for the lock and
  counts after. Under REPEATABLE READ the same race ends in a serialization error, never in a lost count.
  Inserts, deletes and TRUNCATE are statement-level triggers with transition tables (per bulk batch, per
  COPY, not per row); updates are row-level with a WHEN clause, so the many updates that do not move a figure
  (titles, versions, book files) cost nothing. These triggers only note the units touched
  (`progress_pending`, per transaction); a deferred constraint trigger recounts them once, as the
  transaction commits: a bulk upload of a thousand batches recounts each plan once, and unit rows stay
  locked only while committing.
- Villages and forums are counted by increments (`n = n + d`, safe under concurrent writers).
- On SQLite (row triggers only; writers are serialized) a new activity adds itself to its plan's unit, if the
  plan is current; everything else refreshes.

SQLite keeps a table's triggers only while the table lives: a later migration that rebuilds plan, activity,
assessment, adoption, village or forum with `batch_alter_table` must create their triggers again
(tests/test_progress_tallies.py checks that they exist at head).

Revision ID: 5d1e8a7c3b90
Revises: 3f9c2d7a41b8
Create Date: 2026-12-01 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d1e8a7c3b90'
down_revision: str | None = '3f9c2d7a41b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The forum targets of app/forums/schemas.py (SUPPORT_TEAM_TARGET, VILLAGE_REPRESENTATIVE_TARGET).
FULL_FORUM = "support_team_count >= 20 AND village_representative_count >= 35"

UNIT_COLUMNS = (
    "year, village_code, plan_id, province_code, district_code, subdistrict_code, assessed, grade_a, "
    "certified, activities, self_reliance, joint, external_support, completed, adopted, adopted_budget_satang"
)

# Every unit from scratch (the backfill; `cplan reports rebuild` runs the same).
UNIT_ROWS = f"""
INSERT INTO progress_unit ({UNIT_COLUMNS})
SELECT p.year, p.village_code, p.id, p.province_code, p.district_code, substr(p.village_code, 1, 6),
  CASE WHEN EXISTS (SELECT 1 FROM assessment s WHERE s.plan_id = p.id) THEN 1 ELSE 0 END,
  CASE WHEN (SELECT s.grade FROM assessment s WHERE s.plan_id = p.id AND s.kind = 'quality'
             ORDER BY s.id DESC LIMIT 1) = 'A' THEN 1 ELSE 0 END,
  CASE WHEN p.status = 'certified' THEN 1 ELSE 0 END,
  coalesce(a.activities, 0), coalesce(a.self_reliance, 0), coalesce(a.joint, 0),
  coalesce(a.external_support, 0), coalesce(a.completed, 0), coalesce(a.adopted, 0), coalesce(a.budget, 0)
FROM plan p LEFT JOIN (
  SELECT x.plan_id, count(*) AS activities,
    sum(CASE WHEN x.kind = 'self_reliance' THEN 1 ELSE 0 END) AS self_reliance,
    sum(CASE WHEN x.kind = 'joint' THEN 1 ELSE 0 END) AS joint,
    sum(CASE WHEN x.kind = 'external_support' THEN 1 ELSE 0 END) AS external_support,
    sum(CASE WHEN x.kind = 'self_reliance' AND x.status = 'completed' THEN 1 ELSE 0 END) AS completed,
    count(d.activity_id) AS adopted, sum(coalesce(d.budget_satang, 0)) AS budget
  FROM activity x LEFT JOIN adoption d ON d.activity_id = x.id
  WHERE x.status <> 'cancelled' GROUP BY x.plan_id
) a ON a.plan_id = p.id
WHERE NOT EXISTS (
  SELECT 1 FROM plan n WHERE n.village_code = p.village_code AND n.year = p.year AND n.revision > p.revision)
"""
VILLAGE_ROWS = """
INSERT INTO progress_village (province_code, district_code, subdistrict_code, villages)
SELECT province_code, district_code, subdistrict_code, count(*) FROM village
GROUP BY province_code, district_code, subdistrict_code
"""
FORUM_ROWS = f"""
INSERT INTO progress_forum (fiscal_year, province_code, district_code, held, full_participation)
SELECT fiscal_year, province_code, district_code, count(*),
  sum(CASE WHEN {FULL_FORUM} THEN 1 ELSE 0 END)
FROM forum GROUP BY fiscal_year, province_code, district_code
"""

COUNT_COLUMNS = (
    "assessed",
    "grade_a",
    "certified",
    "activities",
    "self_reliance",
    "joint",
    "external_support",
    "completed",
    "adopted",
)

# PostgreSQL

PG_REFRESH = f"""
CREATE FUNCTION progress_refresh(ys integer[], vs text[]) RETURNS void LANGUAGE plpgsql
-- Index lookups per unit, whatever the statistics say: a plan cached while a table looked empty (before
-- ANALYZE, during a bulk load) would otherwise scan the whole table once per unit.
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
  IF ys IS NULL THEN
    RETURN;
  END IF;
  -- Lock every unit, in key order (concurrent refreshes then cannot deadlock on each other), before counting.
  INSERT INTO progress_unit (year, village_code)
    SELECT DISTINCT k.y, k.v FROM unnest(ys, vs) AS k(y, v) ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM progress_unit u
    WHERE (u.year, u.village_code) IN (SELECT k.y, k.v FROM unnest(ys, vs) AS k(y, v))
    ORDER BY u.year, u.village_code FOR UPDATE;
  -- New statements, new snapshots: what writers of these units committed before we got the locks counts.
  DELETE FROM progress_unit u
    WHERE (u.year, u.village_code) IN (SELECT k.y, k.v FROM unnest(ys, vs) AS k(y, v))
    AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.year = u.year AND p.village_code = u.village_code);
  UPDATE progress_unit u SET
    plan_id = c.id, province_code = c.province_code, district_code = c.district_code,
    subdistrict_code = substr(c.village_code, 1, 6),
    assessed = CASE WHEN EXISTS (SELECT 1 FROM assessment s WHERE s.plan_id = c.id) THEN 1 ELSE 0 END,
    grade_a = CASE WHEN (SELECT s.grade FROM assessment s WHERE s.plan_id = c.id AND s.kind = 'quality'
                         ORDER BY s.id DESC LIMIT 1) = 'A' THEN 1 ELSE 0 END,
    certified = CASE WHEN c.status = 'certified' THEN 1 ELSE 0 END,
    activities = a.activities, self_reliance = a.self_reliance, joint = a.joint,
    external_support = a.external_support, completed = a.completed, adopted = a.adopted,
    adopted_budget_satang = a.budget
  FROM (
    SELECT DISTINCT ON (p.year, p.village_code) p.id, p.year, p.village_code, p.province_code,
      p.district_code, p.status
    FROM plan p JOIN unnest(ys, vs) AS k(y, v) ON p.year = k.y AND p.village_code = k.v
    ORDER BY p.year, p.village_code, p.revision DESC
  ) c CROSS JOIN LATERAL (
    SELECT count(*)::int AS activities,
      count(*) FILTER (WHERE x.kind = 'self_reliance')::int AS self_reliance,
      count(*) FILTER (WHERE x.kind = 'joint')::int AS joint,
      count(*) FILTER (WHERE x.kind = 'external_support')::int AS external_support,
      count(*) FILTER (WHERE x.kind = 'self_reliance' AND x.status = 'completed')::int AS completed,
      count(d.activity_id)::int AS adopted, coalesce(sum(d.budget_satang), 0)::bigint AS budget
    FROM activity x LEFT JOIN adoption d ON d.activity_id = x.id
    WHERE x.plan_id = c.id AND x.status <> 'cancelled'
  ) a
  WHERE u.year = c.year AND u.village_code = c.village_code;
END
$$
"""

# A statement only notes the units it touched, for its transaction; they are recomputed once, when the
# transaction commits (a deferred constraint trigger on the notes). A bulk upload's thousand-row batches then
# cost one recount of their plans, not one per batch, and unit rows are locked only while committing.
PG_DEFER = """
CREATE FUNCTION progress_defer(ys integer[], vs text[]) RETURNS void LANGUAGE sql AS $$
  -- The transaction's marker (year 0): the one row whose insert queues the recount at commit.
  INSERT INTO progress_pending (txid, year, village_code)
  SELECT txid_current(), 0, '' WHERE ys IS NOT NULL
  ON CONFLICT DO NOTHING;
  INSERT INTO progress_pending (txid, year, village_code)
  SELECT DISTINCT txid_current(), k.y, k.v FROM unnest(ys, vs) AS k(y, v) WHERE k.y IS NOT NULL
  ORDER BY 2, 3
  ON CONFLICT DO NOTHING;
$$
"""
PG_FLUSH = """
CREATE FUNCTION progress_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ys integer[];
  vs text[];
BEGIN
  -- Fired once per transaction (by its marker): recount every unit the transaction touched.
  WITH done AS (DELETE FROM progress_pending WHERE txid = txid_current() RETURNING year, village_code)
  SELECT array_agg(year ORDER BY year, village_code), array_agg(village_code ORDER BY year, village_code)
  INTO ys, vs FROM done WHERE year <> 0;
  PERFORM progress_refresh(ys, vs);
  RETURN NULL;
END
$$
"""

# How each table's changed rows name the units they touch ({rows}: a transition table or a VALUES list).
PG_UNITS = {
    "plan": "SELECT r.year, r.village_code FROM {rows}",
    "activity": (
        "SELECT p.year, p.village_code FROM plan p WHERE p.id IN "
        "(SELECT r.plan_id FROM {rows} WHERE r.status <> 'cancelled')"
    ),
    "assessment": "SELECT p.year, p.village_code FROM plan p WHERE p.id IN (SELECT r.plan_id FROM {rows})",
    "adoption": (
        "SELECT p.year, p.village_code FROM plan p JOIN activity a ON a.plan_id = p.id "
        "WHERE a.id IN (SELECT r.activity_id FROM {rows})"
    ),
}
# Row-level UPDATE triggers: the units before and after. An activity's plan counts whatever its status was.
PG_ROW_UNITS = {
    "plan": "(VALUES (OLD.year, OLD.village_code), (NEW.year, NEW.village_code)) AS r(year, village_code)",
    "activity": "(VALUES (OLD.plan_id, 'x'), (NEW.plan_id, 'x')) AS r(plan_id, status)",
    "assessment": "(VALUES (OLD.plan_id), (NEW.plan_id)) AS r(plan_id)",
    "adoption": "(VALUES (OLD.activity_id), (NEW.activity_id)) AS r(activity_id)",
}
# Which columns move a figure (an UPDATE that changes none of them fires nothing).
WATCHED = {
    "plan": ("status", "year", "village_code", "revision", "province_code", "district_code"),
    "activity": ("status", "kind", "plan_id"),
    "assessment": ("kind", "grade", "plan_id"),
    "adoption": ("budget_satang", "activity_id"),
    "village": ("province_code", "district_code", "subdistrict_code"),
    "forum": ("fiscal_year", "province_code", "district_code", "support_team_count", "village_representative_count"),
}


def _changed(table: str, distinct: str = "IS DISTINCT FROM") -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in WATCHED[table])


def _pg_unit_function(table: str) -> str:
    def units(rows: str) -> str:
        keys = PG_UNITS[table].format(rows=rows)
        return (
            "SELECT array_agg(k.year ORDER BY k.year, k.village_code), "
            "array_agg(k.village_code ORDER BY k.year, k.village_code) INTO ys, vs "
            f"FROM (SELECT DISTINCT year, village_code FROM ({keys}) q) k;"
        )

    return f"""
CREATE FUNCTION progress_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ys integer[];
  vs text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM progress_rebuild_units();
    RETURN NULL;
  ELSIF TG_LEVEL = 'ROW' THEN
    {units(PG_ROW_UNITS[table])}
  ELSIF TG_OP = 'INSERT' THEN
    {units('new_rows r')}
  ELSE
    {units('old_rows r')}
  END IF;
  PERFORM progress_defer(ys, vs);
  RETURN NULL;
END
$$
"""


PG_REBUILD = f"""
CREATE FUNCTION progress_rebuild_units() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Writers refresh units under row locks; this waits for them, and they for it.
  LOCK TABLE progress_unit IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM progress_unit;
  {UNIT_ROWS};
END
$$
"""


def _pg_tally_function(name: str, table: str, key: str, sums: dict[str, str], rebuild: str) -> str:
    """Increments of a tally keyed by `key`: + for new rows, - for old ones, in key order."""

    def upsert(rows: str, sign: str) -> str:
        values = ", ".join(f"{sign}{expr}" for expr in sums.values())
        sets = ", ".join(f"{col} = t.{col} + excluded.{col}" for col in sums)
        return (
            f"INSERT INTO {name} AS t ({key}, {', '.join(sums)}) "
            f"SELECT {key}, {values} FROM {rows} GROUP BY {key} ORDER BY {key} "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets};"
        )

    columns = TALLY_ROW_COLUMNS[table]

    def one(row: str) -> str:
        return f"(VALUES ({', '.join(f'{row}.{c}' for c in columns)})) AS r({', '.join(columns)})"

    old_row, new_row = one("OLD"), one("NEW")
    return f"""
CREATE FUNCTION progress_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM {name};
    {rebuild};
  ELSIF TG_LEVEL = 'ROW' THEN
    {upsert(old_row, '-')}
    {upsert(new_row, '')}
  ELSIF TG_OP = 'INSERT' THEN
    {upsert('new_rows', '')}
  ELSE
    {upsert('old_rows', '-')}
  END IF;
  RETURN NULL;
END
$$
"""


VILLAGE_SUMS = {"villages": "count(*)"}
FORUM_SUMS = {"held": "count(*)", "full_participation": f"sum(CASE WHEN {FULL_FORUM} THEN 1 ELSE 0 END)"}
VILLAGE_KEY = "province_code, district_code, subdistrict_code"
FORUM_KEY = "fiscal_year, province_code, district_code"
# The columns of a village's or a forum's row its tally reads.
TALLY_ROW_COLUMNS = {
    "village": VILLAGE_KEY.split(", "),
    "forum": [*FORUM_KEY.split(", "), "support_team_count", "village_representative_count"],
}
TABLES = ("plan", "activity", "assessment", "adoption", "village", "forum")


def _pg_upgrade() -> None:
    op.execute("ALTER TABLE progress_pending SET UNLOGGED")  # notes live only inside their transaction
    op.execute(PG_REFRESH)
    op.execute(PG_DEFER)
    op.execute(PG_FLUSH)
    op.execute(
        "CREATE CONSTRAINT TRIGGER progress_pending_flush AFTER INSERT ON progress_pending "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.year = 0) EXECUTE FUNCTION progress_flush()"
    )
    op.execute(PG_REBUILD)
    for table in ("plan", "activity", "assessment", "adoption"):
        op.execute(_pg_unit_function(table))
    op.execute(_pg_tally_function("progress_village", "village", VILLAGE_KEY, VILLAGE_SUMS, VILLAGE_ROWS))
    op.execute(_pg_tally_function("progress_forum", "forum", FORUM_KEY, FORUM_SUMS, FORUM_ROWS))
    for table in TABLES:
        run = f"EXECUTE FUNCTION progress_on_{table}()"
        op.execute(
            f"CREATE TRIGGER progress_{table}_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {run}"
        )
        op.execute(
            f"CREATE TRIGGER progress_{table}_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT {run}"
        )
        op.execute(
            f"CREATE TRIGGER progress_{table}_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW WHEN ({_changed(table)}) {run}"
        )
        op.execute(f"CREATE TRIGGER progress_{table}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT {run}")


# SQLite


def _sqlite_refresh(keys: str) -> str:
    """Recompute the units `keys` (a SELECT of year, village_code) names."""

    def activities(condition: str = "", adoption: str = "count(*)") -> str:
        join = " JOIN adoption d ON d.activity_id = x.id" if adoption != "count(*)" or "d." in condition else ""
        return (
            f"(SELECT {adoption} FROM activity x{join} WHERE x.plan_id = p.id AND x.status <> 'cancelled'"
            f"{condition})"
        )

    return f"""
  DELETE FROM progress_unit WHERE (year, village_code) IN ({keys});
  INSERT INTO progress_unit ({UNIT_COLUMNS})
  SELECT p.year, p.village_code, p.id, p.province_code, p.district_code, substr(p.village_code, 1, 6),
    EXISTS (SELECT 1 FROM assessment s WHERE s.plan_id = p.id),
    coalesce((SELECT s.grade = 'A' FROM assessment s WHERE s.plan_id = p.id AND s.kind = 'quality'
              ORDER BY s.id DESC LIMIT 1), 0),
    p.status = 'certified',
    {activities()},
    {activities(" AND x.kind = 'self_reliance'")},
    {activities(" AND x.kind = 'joint'")},
    {activities(" AND x.kind = 'external_support'")},
    {activities(" AND x.kind = 'self_reliance' AND x.status = 'completed'")},
    {activities(adoption="count(d.activity_id)")},
    {activities(adoption="coalesce(sum(d.budget_satang), 0)")}
  FROM plan p WHERE (p.year, p.village_code) IN ({keys}) AND NOT EXISTS (
    SELECT 1 FROM plan n WHERE n.village_code = p.village_code AND n.year = p.year AND n.revision > p.revision);
"""


SQLITE_UNITS = {
    "plan": "SELECT {r}.year, {r}.village_code",
    "activity": "SELECT year, village_code FROM plan WHERE id = {r}.plan_id",
    "assessment": "SELECT year, village_code FROM plan WHERE id = {r}.plan_id",
    "adoption": (
        "SELECT p.year, p.village_code FROM plan p JOIN activity a ON a.plan_id = p.id "
        "WHERE a.id = {r}.activity_id"
    ),
}


def _sqlite_tally(name: str, key: str, sums: dict[str, str], row: str, sign: str) -> str:
    cols = key.split(", ")
    values = ", ".join([f"{row}.{c}" for c in cols] + [f"{sign}({_row_expr(e, row)})" for e in sums.values()])
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in sums)
    return (
        f"INSERT INTO {name} ({key}, {', '.join(sums)}) VALUES ({values}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {sets};"
    )


def _row_expr(aggregate: str, row: str) -> str:
    """A tally's aggregate over one row."""
    if aggregate == "count(*)":
        return "1"
    return f"CASE WHEN {row}.support_team_count >= 20 AND {row}.village_representative_count >= 35 THEN 1 ELSE 0 END"


def _sqlite_upgrade() -> None:
    for table, keys in SQLITE_UNITS.items():
        op.execute(
            f"CREATE TRIGGER progress_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"{_sqlite_refresh(keys.format(r='OLD'))} END"
        )
        both = f"{keys.format(r='OLD')} UNION {keys.format(r='NEW')}"
        op.execute(
            f"CREATE TRIGGER progress_{table}_update AFTER UPDATE ON {table} WHEN {_changed(table, 'IS NOT')} BEGIN "
            f"{_sqlite_refresh(both)} END"
        )
        if table != "activity":
            op.execute(
                f"CREATE TRIGGER progress_{table}_insert AFTER INSERT ON {table} BEGIN "
                f"{_sqlite_refresh(keys.format(r='NEW'))} END"
            )
    # A new activity adds itself to its plan's unit, which exists only while the plan is current.
    op.execute(
        "CREATE TRIGGER progress_activity_insert AFTER INSERT ON activity WHEN NEW.status <> 'cancelled' BEGIN "
        "UPDATE progress_unit SET activities = activities + 1, "
        "self_reliance = self_reliance + (NEW.kind = 'self_reliance'), "
        "joint = joint + (NEW.kind = 'joint'), "
        "external_support = external_support + (NEW.kind = 'external_support'), "
        "completed = completed + (NEW.kind = 'self_reliance' AND NEW.status = 'completed') "
        "WHERE plan_id = NEW.plan_id; END"
    )
    for name, table, key, sums in (
        ("progress_village", "village", VILLAGE_KEY, VILLAGE_SUMS),
        ("progress_forum", "forum", FORUM_KEY, FORUM_SUMS),
    ):
        op.execute(
            f"CREATE TRIGGER progress_{table}_insert AFTER INSERT ON {table} BEGIN "
            f"{_sqlite_tally(name, key, sums, 'NEW', '')} END"
        )
        op.execute(
            f"CREATE TRIGGER progress_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"{_sqlite_tally(name, key, sums, 'OLD', '-')} END"
        )
        op.execute(
            f"CREATE TRIGGER progress_{table}_update AFTER UPDATE ON {table} WHEN {_changed(table, 'IS NOT')} BEGIN "
            f"{_sqlite_tally(name, key, sums, 'OLD', '-')} {_sqlite_tally(name, key, sums, 'NEW', '')} END"
        )


def upgrade() -> None:
    op.create_table(
        'progress_unit',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=8), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('province_code', sa.String(length=2), server_default='', nullable=False),
        sa.Column('district_code', sa.String(length=4), server_default='', nullable=False),
        sa.Column('subdistrict_code', sa.String(length=6), server_default='', nullable=False),
        *[sa.Column(c, sa.Integer(), server_default='0', nullable=False) for c in COUNT_COLUMNS],
        sa.Column('adopted_budget_satang', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('year', 'village_code', name=op.f('pk_progress_unit')),
    )
    op.create_index('ix_progress_unit_plan_id', 'progress_unit', ['plan_id'], unique=False)
    op.create_index('ix_progress_unit_year_province_code', 'progress_unit', ['year', 'province_code'], unique=False)
    op.create_index('ix_progress_unit_year_district_code', 'progress_unit', ['year', 'district_code'], unique=False)
    op.create_table(
        'progress_pending',
        sa.Column('txid', sa.BigInteger(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('village_code', sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint('txid', 'year', 'village_code', name=op.f('pk_progress_pending')),
    )
    op.create_table(
        'progress_village',
        sa.Column('province_code', sa.String(length=2), nullable=False),
        sa.Column('district_code', sa.String(length=4), nullable=False),
        sa.Column('subdistrict_code', sa.String(length=6), nullable=False),
        sa.Column('villages', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint(
            'province_code', 'district_code', 'subdistrict_code', name=op.f('pk_progress_village')
        ),
    )
    op.create_table(
        'progress_forum',
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.String(length=2), nullable=False),
        sa.Column('district_code', sa.String(length=4), nullable=False),
        sa.Column('held', sa.Integer(), server_default='0', nullable=False),
        sa.Column('full_participation', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('fiscal_year', 'province_code', 'district_code', name=op.f('pk_progress_forum')),
    )
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()
    # Backfill from the data as it is (the triggers exist already: rows written meanwhile wait for this
    # transaction on PostgreSQL, and a migration runs alone on SQLite).
    op.execute(UNIT_ROWS)
    op.execute(VILLAGE_ROWS)
    op.execute(FORUM_ROWS)


def downgrade() -> None:
    for table in TABLES:
        for event in ("insert", "delete", "update", "truncate"):
            on = f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS progress_{table}_{event}{on}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS progress_pending_flush ON progress_pending")
        op.execute("DROP FUNCTION IF EXISTS progress_flush()")
        op.execute("DROP FUNCTION IF EXISTS progress_defer(integer[], text[])")
        for table in TABLES:
            op.execute(f"DROP FUNCTION IF EXISTS progress_on_{table}()")
        op.execute("DROP FUNCTION IF EXISTS progress_rebuild_units()")
        op.execute("DROP FUNCTION IF EXISTS progress_refresh(integer[], text[])")
    op.drop_table('progress_forum')
    op.drop_table('progress_village')
    op.drop_table('progress_pending')
    op.drop_index('ix_progress_unit_year_district_code', table_name='progress_unit')
    op.drop_index('ix_progress_unit_year_province_code', table_name='progress_unit')
    op.drop_index('ix_progress_unit_plan_id', table_name='progress_unit')
    op.drop_table('progress_unit')
