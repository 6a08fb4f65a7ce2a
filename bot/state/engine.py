"""Open the shared store's database: SQLite on one machine, PostgreSQL for several.

SQLite is made safe for the several processes of one machine (gunicorn workers, the socket
worker, `python -m bot misses`): write-ahead logging so readers never block the writer, and a
busy timeout so a writer waits for the lock instead of failing. Every transaction here is one or
two statements, so the lock is held for microseconds. PostgreSQL gets a short connect timeout
(an unreachable database must not hold a request for long) and pre-ping, so the connections
pooled before a database restart are replaced instead of failing once each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

DEFAULT_URL = "sqlite:///immuno.sqlite3"
SQLITE_BUSY_SECONDS = 5.0
PG_CONNECT_TIMEOUT_SECONDS = 2


def normalise_url(raw: str | None) -> str:
    """The SQLAlchemy URL for a DATABASE_URL, with the psycopg (v3) driver for PostgreSQL.

    Heroku writes postgres://; SQLAlchemy would pick psycopg2 for a bare postgresql://, which
    immuno does not install."""
    url = (raw or "").strip() or DEFAULT_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "sqlite"


def display_url(url: str) -> str:
    """The URL without its password, for log lines and error messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create(url: str) -> Engine:
    """An engine for `url` (already normalised), configured as the module docstring says."""
    from sqlalchemy import create_engine

    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=PG_CONNECT_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS},
    )
