"""A browser's sign-in token is of kind "browser" (it was "session", a word that now means only an exercise
session). Tokens already issued keep working.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE auth_tokens SET kind = 'browser' WHERE kind = 'session'")


def downgrade() -> None:
    op.execute("UPDATE auth_tokens SET kind = 'session' WHERE kind = 'browser'")
