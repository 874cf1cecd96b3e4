"""audit log: the app sends each entry's canonical content text once; the database reads the columns from it

`audit_append(lock, chain, json)` took every entry twice, as columns and as the content text it hashes; the
app encoded the entry's changes twice and the database parsed both. The new overload takes the content
texts (`text[]`, no second encoding), hashes each exactly as before and reads the columns from the same
text. The old overload stays for a downgrade and is no longer called.

Revision ID: d9e3b5a17c42
Revises: c4f7a2e9d1b6
Create Date: 2026-12-01 10:30:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd9e3b5a17c42'
down_revision: str | None = 'c4f7a2e9d1b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_APPEND = """
CREATE FUNCTION audit_append(p_lock bigint, p_chain smallint, p_contents text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev text;
    c text;
    j json;
    h text;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT hash INTO prev FROM audit_entry WHERE chain = p_chain ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOREACH c IN ARRAY p_contents LOOP
        h := encode(sha256(convert_to(prev || E'\\n' || c, 'UTF8')), 'hex');
        j := c::json;
        IF (j->>'chain')::smallint IS DISTINCT FROM p_chain THEN
            RAISE EXCEPTION 'audit entry of chain % sent to chain %', j->>'chain', p_chain;
        END IF;
        INSERT INTO audit_entry (chain, at, actor_id, actor_name, actor_role, request_id, action,
                                 resource_type, resource_id, province_code, district_code, changes,
                                 prev_hash, hash)
        VALUES (p_chain, (j->>'at')::timestamptz, j->>'actor_id', j->>'actor_name', j->>'actor_role',
                j->>'request_id', j->>'action', j->>'resource_type', j->>'resource_id',
                j->>'province_code', j->>'district_code', j->'changes', prev, h);
        prev := h;
    END LOOP;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION audit_append(bigint, smallint, text[])')
