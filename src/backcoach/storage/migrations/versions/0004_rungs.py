"""Each session item records the rung of the exercise's ladder that was done; older rows were the standard rung.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("session_items") as batch:
        batch.add_column(sa.Column("rung", sa.String(length=96), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_items") as batch:
        batch.drop_column("rung")
