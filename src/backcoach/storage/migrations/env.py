"""Alembic environment: runs on the connection backcoach hands over (see backcoach.storage.engine.upgrade)."""

from __future__ import annotations

from alembic import context

from backcoach.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `backcoach db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
