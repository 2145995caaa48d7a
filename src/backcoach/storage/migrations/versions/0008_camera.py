"""Each session item may record what the camera measured: repetitions counted, partials, seconds held and form
flags, as one JSON object (docs/json.md, "History"); older rows and items done without the camera have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("session_items") as batch:
        batch.add_column(sa.Column("camera", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("session_items") as batch:
        batch.drop_column("camera")
