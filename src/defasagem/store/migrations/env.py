"""Alembic's environment: the connection comes from :func:`defasagem.store.migrate.upgrade`."""

from __future__ import annotations

from alembic import context

from defasagem.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
