"""Count the queries that found nothing, and the suggestions users picked, so the knowledge file
grows where users need it.

Only the (normalised) query text is stored: never who asked or where. SQLite by default, any
SQLAlchemy URL (PostgreSQL when several web processes run) through DATABASE_URL. Writes go
through a queue on a background thread, so a slow disk never delays a reply; SQLAlchemy itself
is imported there too, on the first write, so it costs nothing at start.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.query import normalised

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///immuno-misses.sqlite3"
TABLE = "immuno_query_events"


@dataclass(frozen=True)
class MissCount:
    query: str
    count: int
    picked: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    query: str
    outcome: str  # "miss" or "pick"
    picked: str | None


def _url(url: str | None) -> str:
    url = url or DEFAULT_URL
    if url.startswith("postgres://"):  # Heroku's spelling; SQLAlchemy wants postgresql://
        url = "postgresql://" + url[len("postgres://") :]
    return url


class MissLog:
    def __init__(
        self,
        url: str | None = None,
        *,
        retention_days: int = 90,
        clock: Callable[[], dt.datetime] | None = None,
        background: bool = True,
    ) -> None:
        self.url = _url(url)
        self.retention_days = retention_days
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
        self._engine: Any = None
        self._table: Any = None
        self._ready = threading.Lock()
        self._queue: queue.Queue[_Event | None] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._drain, name="misslog", daemon=True)
            self._thread.start()

    @property
    def engine(self) -> Any:
        self._open()
        return self._engine

    def _open(self) -> None:
        with self._ready:
            if self._engine is not None:
                return
            from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine

            metadata = MetaData()
            self._table = Table(
                TABLE,
                metadata,
                Column("id", Integer, primary_key=True),
                Column("at", DateTime, index=True),
                Column("query", String(200), index=True),
                Column("outcome", String(8)),
                Column("picked", String(60), nullable=True),
            )
            from sqlalchemy.exc import OperationalError, ProgrammingError

            engine = create_engine(self.url)
            if engine.dialect.name == "sqlite":
                _sqlite_without_fsync_per_write(engine)
            try:
                metadata.create_all(engine)
            except (OperationalError, ProgrammingError):
                metadata.create_all(engine)  # another process created it at the same moment
            self._engine = engine

    def close(self) -> None:
        """Write what is queued, then stop the writer thread (at shutdown, and after a test)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._engine is not None:
            self._engine.dispose()

    def _drain(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:  # close(): everything queued before it is written
                self._queue.task_done()
                return
            try:
                self._write(event)
            except Exception:
                log.exception("miss log write failed")
            finally:
                self._queue.task_done()

    def _write(self, event: _Event) -> None:
        self._open()
        with self._engine.begin() as connection:
            connection.execute(
                self._table.insert().values(
                    at=event.at, query=event.query, outcome=event.outcome, picked=event.picked
                )
            )

    def _record(self, query: str, outcome: str, picked: str | None = None) -> None:
        text = normalised(query)
        if not text:
            return
        event = _Event(self.clock(), text, outcome, picked)
        if self._thread is None:
            self._write(event)
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            log.warning("miss log queue full; dropping one record")

    def record_miss(self, query: str) -> None:
        self._record(query, "miss")

    def record_pick(self, query: str, entry_id: str) -> None:
        self._record(query, "pick", entry_id[:60])

    def flush(self) -> None:
        """Wait until queued records are written (for tests and the CLI)."""
        if self._thread is not None:
            self._queue.join()

    def prune(self) -> int:
        self._open()
        cutoff = self.clock() - dt.timedelta(days=self.retention_days)
        with self._engine.begin() as connection:
            result = connection.execute(self._table.delete().where(self._table.c.at < cutoff))
            return result.rowcount or 0

    def top_misses(self, days: int = 30, limit: int = 25) -> list[MissCount]:
        from sqlalchemy import func, select

        self.flush()
        self.prune()
        table = self._table
        since = self.clock() - dt.timedelta(days=days)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(table.c.query, func.count())
                .where(table.c.outcome == "miss", table.c.at >= since)
                .group_by(table.c.query)
                .order_by(func.count().desc(), table.c.query)
                .limit(limit)
            ).all()
            out = []
            for query, count in rows:
                picks = connection.execute(
                    select(table.c.picked)
                    .where(table.c.outcome == "pick", table.c.query == query, table.c.at >= since)
                    .distinct()
                ).scalars()
                out.append(MissCount(query, count, tuple(sorted(p for p in picks if p))))
            return out


def _sqlite_without_fsync_per_write(engine: Any) -> None:
    """WAL with synchronous=NORMAL: a write appends to the log without waiting on the disk.

    Under gevent workers a write that waits for fsync stops every request of that worker, not
    just the writer; a miss count lost to a power cut costs nothing."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
