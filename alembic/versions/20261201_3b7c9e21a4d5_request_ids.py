"""request ids of webhook deliveries and bulk jobs

Revision ID: 3b7c9e21a4d5
Revises: 82bd6c7d10c8
Create Date: 2026-12-01 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3b7c9e21a4d5'
down_revision: str | None = '82bd6c7d10c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: adding them rewrites no rows on PostgreSQL.
    with op.batch_alter_table('webhook_delivery') as batch:
        batch.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))
    with op.batch_alter_table('bulk_job') as batch:
        batch.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bulk_job') as batch:
        batch.drop_column('request_id')
    with op.batch_alter_table('webhook_delivery') as batch:
        batch.drop_column('request_id')
