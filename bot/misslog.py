"""Count the queries that found nothing, and the suggestions users picked, so the knowledge file
grows where users need it.

Only the (normalised) query text is stored: never who asked or where. SQLite by default, any
SQLAlchemy URL (PostgreSQL when several web processes run) through DATABASE_URL. Writes go
through a queue on a background thread, so a slow disk never delays a reply.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, create_engine, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bot.query import normalised

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///immuno-misses.sqlite3"


class _Base(DeclarativeBase):
    pass


class QueryEvent(_Base):
    __tablename__ = "immuno_query_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    query: Mapped[str] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # "miss" or "pick"
    picked: Mapped[str | None] = mapped_column(String(60), nullable=True)


@dataclass(frozen=True)
class MissCount:
    query: str
    count: int
    picked: tuple[str, ...] = ()


def _url(url: str | None) -> str:
    url = url or DEFAULT_URL
    if url.startswith("postgres://"):  # Heroku's spelling; SQLAlchemy wants postgresql://
        url = "postgresql://" + url[len("postgres://"):]
    return url


class MissLog:
    def __init__(self, url: str | None = None, *, retention_days: int = 90,
                 clock: Callable[[], dt.datetime] | None = None, background: bool = True
                 ) -> None:
        self.engine = create_engine(_url(url))
        _Base.metadata.create_all(self.engine)
        self.retention_days = retention_days
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
        self._queue: queue.Queue[QueryEvent | None] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._drain, name="misslog", daemon=True)
            self._thread.start()

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is not None:
                    self._write(item)
            except Exception:
                log.exception("miss log write failed")
            finally:
                self._queue.task_done()

    def _write(self, event: QueryEvent) -> None:
        with Session(self.engine) as session:
            session.add(event)
            session.commit()

    def _record(self, query: str, outcome: str, picked: str | None = None) -> None:
        text = normalised(query)
        if not text:
            return
        event = QueryEvent(at=self.clock(), query=text, outcome=outcome, picked=picked)
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
        cutoff = self.clock() - dt.timedelta(days=self.retention_days)
        with Session(self.engine) as session:
            result = session.execute(delete(QueryEvent).where(QueryEvent.at < cutoff))
            session.commit()
            return result.rowcount or 0

    def top_misses(self, days: int = 30, limit: int = 25) -> list[MissCount]:
        self.flush()
        self.prune()
        since = self.clock() - dt.timedelta(days=days)
        with Session(self.engine) as session:
            rows = session.execute(
                select(QueryEvent.query, func.count())
                .where(QueryEvent.outcome == "miss", QueryEvent.at >= since)
                .group_by(QueryEvent.query)
                .order_by(func.count().desc(), QueryEvent.query)
                .limit(limit)).all()
            out = []
            for query, count in rows:
                picks = session.execute(
                    select(QueryEvent.picked).where(QueryEvent.outcome == "pick",
                                                    QueryEvent.query == query,
                                                    QueryEvent.at >= since).distinct()).scalars()
                out.append(MissCount(query, count, tuple(sorted(p for p in picks if p))))
            return out
