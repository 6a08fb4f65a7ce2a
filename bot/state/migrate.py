"""Schema migrations (Alembic) and the start-up check that the schema is current.

`python -m bot migrate` and the Procfile's `release:` phase apply them. A web or socket process
on PostgreSQL refuses to start on a database that is behind, with one line saying what to run
(applying migrations from several web processes at once is what a release phase avoids). The
embedded SQLite default migrates itself at start instead, under a file lock so the gunicorn
workers of one machine take turns: one machine has no release phase, and nothing else shares
its file.

The check reads `alembic_version` with one query and compares it to HEAD, so a web worker does
not import Alembic at all unless it must migrate; a test keeps HEAD equal to Alembic's head.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.state.engine import display_url, is_sqlite

HEAD = "0001"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATE_COMMAND = "python -m bot migrate"


class NotMigrated(Exception):
    """The database's schema is behind this code; the message says what to run."""


def current(engine: Engine) -> str | None:
    """The database's Alembic revision, or None for a database never migrated."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None


def upgrade(engine: Engine) -> str:
    """Apply every migration not yet applied; returns the revision now current."""
    with _lock_for(engine):
        _upgrade(engine)
    return current(engine) or ""


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check(engine: Engine) -> None:
    """Raise NotMigrated unless the schema is at HEAD."""
    found = current(engine)
    if found != HEAD:
        where = display_url(str(engine.url))
        state = f"at revision {found}" if found else "not migrated"
        raise NotMigrated(
            f"the database {where} is {state} (this version needs {HEAD}): "
            f"run `{MIGRATE_COMMAND}` (on Heroku the release phase runs it)"
        )


def ready(engine: Engine) -> None:
    """At start: SQLite migrates itself, anything else must already be migrated."""
    if is_sqlite(engine.url):
        if current(engine) != HEAD:
            with _lock_for(engine):
                if current(engine) is None and not _has_tables(engine):
                    create_at_head(engine)
                elif current(engine) != HEAD:
                    _upgrade(engine)
        return
    check(engine)


def create_at_head(engine: Engine) -> None:
    """A brand-new database: create the current schema and record it as HEAD, in one
    transaction, without importing Alembic (a quarter of a cold start otherwise). The same
    schema as running every migration: tests/test_migrations.py compares the two."""
    from sqlalchemy import MetaData

    from bot.state import slack_tables
    from bot.state.tables import metadata

    slack = MetaData()
    slack_tables.tables(slack)
    with engine.begin() as connection:
        metadata.create_all(connection)
        slack.create_all(connection)
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": HEAD})


def _has_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(engine).get_table_names())


@contextlib.contextmanager
def _lock_for(engine: Engine) -> Iterator[None]:
    """An exclusive lock on `<database file>.migrate-lock` for SQLite (processes of one
    machine); PostgreSQL serialises concurrent migrations itself (DDL takes table locks)."""
    database = engine.url.database if is_sqlite(engine.url) else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
