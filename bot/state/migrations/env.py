"""Alembic's environment for immuno: run by `python -m bot migrate` (bot.state.migrate).

The connection is passed in by bot.state.migrate, so there is no alembic.ini and no URL here.
"""

from __future__ import annotations

from alembic import context

from bot.state.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
