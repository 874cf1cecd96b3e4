"""audit log: append-only, hash-chained entries of every write

Revision ID: a7d1e0c4b9f2
Revises: 5d1e8a7c3b90
Create Date: 2026-12-01 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = 'a7d1e0c4b9f2'
down_revision: str | None = '5d1e8a7c3b90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No API changes or removes an entry; the database refuses it too (an owner can still drop the trigger,
# which is what the hash chain is for: `cplan audit verify` sees any edit made behind the service's back).
PG_REFUSE = (
    """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$
""",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
)
# Appending to a chain in one round trip (app/audit/recorder.py): the chain's lock, its last hash, and each
# entry hashed over the previous hash, a line break and the content text the app sends (the same bytes as
# app.audit.chain.entry_hash), all run at the very end of the writer's transaction.
PG_APPEND = """
CREATE FUNCTION audit_append(p_lock bigint, p_chain smallint, p_rows json) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev text;
    r json;
    h text;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT hash INTO prev FROM audit_entry WHERE chain = p_chain ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOR r IN SELECT value FROM json_array_elements(p_rows) LOOP
        h := encode(sha256(convert_to(prev || E'\\n' || (r->>'content'), 'UTF8')), 'hex');
        INSERT INTO audit_entry (chain, at, actor_id, actor_name, actor_role, request_id, action,
                                 resource_type, resource_id, province_code, district_code, changes,
                                 prev_hash, hash)
        VALUES (p_chain, (r->>'at')::timestamptz, r->>'actor_id', r->>'actor_name', r->>'actor_role',
                r->>'request_id', r->>'action', r->>'resource_type', r->>'resource_id',
                r->>'province_code', r->>'district_code', r->'changes', prev, h);
        prev := h;
    END LOOP;
END;
$$
"""
SQLITE_REFUSE = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END",
)


def upgrade() -> None:
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('chain', sa.SmallInteger(), nullable=False),
        sa.Column('at', app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.String(length=64), nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=True),
        sa.Column('actor_role', sa.String(length=32), nullable=True),
        sa.Column('request_id', sa.String(length=128), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('resource_type', sa.String(length=40), nullable=False),
        sa.Column('resource_id', sa.String(length=64), nullable=True),
        sa.Column('province_code', sa.String(length=2), nullable=True),
        sa.Column('district_code', sa.String(length=4), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    op.create_index('ix_audit_entry_chain_id', 'audit_entry', ['chain', 'id'])
    op.create_index('ix_audit_entry_resource', 'audit_entry', ['resource_type', 'resource_id', 'id'])
    op.create_index('ix_audit_entry_province_code_id', 'audit_entry', ['province_code', 'id'])
    op.create_index('ix_audit_entry_district_code_id', 'audit_entry', ['district_code', 'id'])
    op.create_index('ix_audit_entry_actor_id_id', 'audit_entry', ['actor_id', 'id'])
    op.create_index('ix_audit_entry_request_id', 'audit_entry', ['request_id'])
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'])
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in (*PG_REFUSE, PG_APPEND) if postgresql else SQLITE_REFUSE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_entry_no_truncate ON audit_entry')
        op.execute('DROP TRIGGER audit_entry_append_only ON audit_entry')
        op.execute('DROP FUNCTION audit_entry_append_only()')
        op.execute('DROP FUNCTION audit_append(bigint, smallint, json)')
    else:
        op.execute('DROP TRIGGER audit_entry_no_delete')
        op.execute('DROP TRIGGER audit_entry_no_update')
    op.drop_index('ix_audit_entry_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_request_id', table_name='audit_entry')
    op.drop_index('ix_audit_entry_actor_id_id', table_name='audit_entry')
    op.drop_index('ix_audit_entry_district_code_id', table_name='audit_entry')
    op.drop_index('ix_audit_entry_province_code_id', table_name='audit_entry')
    op.drop_index('ix_audit_entry_resource', table_name='audit_entry')
    op.drop_index('ix_audit_entry_chain_id', table_name='audit_entry')
    op.drop_table('audit_entry')
