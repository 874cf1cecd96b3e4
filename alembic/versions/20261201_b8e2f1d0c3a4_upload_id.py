"""rows created by a bulk upload name it: upload_id on villages, local governments, plans and activities

Revision ID: b8e2f1d0c3a4
Revises: a7d1e0c4b9f2
Create Date: 2026-12-01 13:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b8e2f1d0c3a4'
down_revision: str | None = 'a7d1e0c4b9f2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("village", "local_government", "plan", "activity")


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table rebuild on SQLite: the tables' triggers stay).
    for table in TABLES:
        op.add_column(table, sa.Column("upload_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("upload_id")
