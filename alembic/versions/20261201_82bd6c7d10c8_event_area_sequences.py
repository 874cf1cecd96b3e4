"""event area sequences: each province, district and village numbers its own events

An area's officers and committee read the feed by these numbers, so the numbers they see count only the
events they can see (the global number showed them how many happened elsewhere in between). Existing
events are numbered in their global order, and each area's counter starts after its last number.

Revision ID: 82bd6c7d10c8
Revises: efd4120e55f0
Create Date: 2026-12-01 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '82bd6c7d10c8'
down_revision: str | None = 'efd4120e55f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AREAS = ("province", "district", "village")


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        for area in AREAS:
            batch_op.add_column(sa.Column(f'{area}_sequence', sa.BigInteger(), nullable=True))
    for area in AREAS:
        # The same SQL on PostgreSQL and SQLite (3.33 or later): one pass with a window function.
        op.execute(
            f"UPDATE event SET {area}_sequence = numbered.n FROM ("
            f"SELECT sequence AS seq, ROW_NUMBER() OVER (PARTITION BY {area}_code ORDER BY sequence) AS n "
            f"FROM event WHERE {area}_code IS NOT NULL) AS numbered "
            "WHERE event.sequence = numbered.seq"
        )
        op.execute(
            f"INSERT INTO event_counter (stream, last_sequence) "
            f"SELECT '{area}:' || {area}_code, MAX({area}_sequence) FROM event "
            f"WHERE {area}_code IS NOT NULL GROUP BY {area}_code"
        )
    with op.batch_alter_table('event', schema=None) as batch_op:
        for area in AREAS:
            batch_op.drop_index(f'ix_event_{area}_code_sequence')
            batch_op.create_index(
                f'ux_event_{area}_code_{area}_sequence', [f'{area}_code', f'{area}_sequence'], unique=True
            )


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        for area in AREAS:
            batch_op.drop_index(f'ux_event_{area}_code_{area}_sequence')
            batch_op.create_index(f'ix_event_{area}_code_sequence', [f'{area}_code', 'sequence'], unique=False)
    for area in AREAS:
        op.execute(f"DELETE FROM event_counter WHERE stream LIKE '{area}:%'")
    with op.batch_alter_table('event', schema=None) as batch_op:
        for area in AREAS:
            batch_op.drop_column(f'{area}_sequence')
