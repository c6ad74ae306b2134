"""Alembic environment: runs migrations on the connection inboxwatch hands over."""

from __future__ import annotations

from alembic import context

from inboxwatch.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "inboxwatch migrations run through inboxwatch.storage.store, not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
