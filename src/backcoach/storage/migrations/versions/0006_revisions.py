"""Each person has a revision, bumped in the same transaction as every change to their data, so that any server
process can tell whether what it has cached for them is still current; and the indexes today's plan reads by.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_index("ix_sessions_user_id_date", "sessions", ["user_id", "date"])
    op.create_index("ix_session_items_user_id_exercise", "session_items", ["user_id", "exercise"])


def downgrade() -> None:
    op.drop_index("ix_session_items_user_id_exercise", table_name="session_items")
    op.drop_index("ix_sessions_user_id_date", table_name="sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("revision")
