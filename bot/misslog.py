"""Count the queries that found nothing, and the suggestions users picked, so the knowledge file
grows where users need it.

Only the (normalised) query text is stored: never who asked or where. It lives in the shared
store (bot.state: SQLite by default, PostgreSQL through DATABASE_URL when several processes
run). Writes go through a queue on a background thread, so a slow or unreachable database never
delays a reply.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.query import normalised
from bot.state.engine import normalise_url
from bot.state.tables import query_events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MissCount:
    query: str
    count: int
    picked: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackCount:
    """👍 / 👎 on answers about one entry for one intent."""

    entry_id: str
    intent: str
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    query: str
    outcome: str  # "miss", "pick", or a vote on an answer: "up" / "down"
    picked: str | None  # the picked entry, or the entry voted on


class MissLog:
    def __init__(
        self,
        url: str | None = None,
        *,
        engine: Engine | None = None,
        retention_days: int = 90,
        clock: Callable[[], dt.datetime] | None = None,
        background: bool = True,
    ) -> None:
        """Log into `engine` (the shared store's), or open `url` (DATABASE_URL) on first use."""
        self.url = normalise_url(url)
        self.retention_days = retention_days
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
        self._engine: Engine | None = engine
        self._table = query_events
        self._insert = query_events.insert()  # built once: see _write
        self._ready = threading.Lock()
        self._queue: queue.Queue[_Event | None] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        self._failing = False
        if background:
            self._thread = threading.Thread(target=self._drain, name="misslog", daemon=True)
            self._thread.start()

    @property
    def engine(self) -> Engine:
        self._open()
        assert self._engine is not None
        return self._engine

    def _open(self) -> None:
        """Open the database named by the URL (migrating an embedded SQLite file, like the web
        process does) when no engine was given."""
        with self._ready:
            if self._engine is not None:
                return
            from bot.state.engine import create
            from bot.state.migrate import ready

            engine = create(self.url)
            ready(engine)
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
                if self._failing:
                    self._failing = False
                    log.warning("miss log writes work again")
            except Exception as exc:  # never raised into a reply; logged once per outage
                if not self._failing:
                    self._failing = True
                    log.error(
                        "miss log write failed (%s); records are dropped until the database "
                        "answers",
                        type(exc).__name__,
                    )
            finally:
                self._queue.task_done()

    def _write(self, event: _Event) -> None:
        # One statement for every record (executemany-style parameters): building an INSERT
        # per record cost more than the write, on the thread that shares the process with
        # the requests being answered.
        with self.engine.begin() as connection:
            connection.execute(
                self._insert,
                {
                    "at": event.at,
                    "query": event.query,
                    "outcome": event.outcome,
                    "picked": event.picked,
                },
            )

    def _record(self, query: str, outcome: str, picked: str | None = None) -> None:
        text = normalised(query)
        if not text:
            return
        self._enqueue(_Event(self.clock(), text, outcome, picked))

    def _enqueue(self, event: _Event) -> None:
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

    def record_feedback(self, entry_id: str, intent: str, *, helpful: bool) -> None:
        """A 👍 / 👎 on an answer: stored as the intent (in the query column) and the entry,
        in the same table as the misses, so it follows the miss log wherever it is kept."""
        outcome = "up" if helpful else "down"
        self._enqueue(_Event(self.clock(), intent[:200], outcome, entry_id[:60]))

    def flush(self) -> None:
        """Wait until queued records are written (for tests and the CLI)."""
        if self._thread is not None:
            self._queue.join()

    def prune(self) -> int:
        cutoff = self.clock() - dt.timedelta(days=self.retention_days)
        with self.engine.begin() as connection:
            result = connection.execute(self._table.delete().where(self._table.c.at < cutoff))
            return result.rowcount or 0

    def top_misses(self, days: int = 30, limit: int = 25) -> list[MissCount]:
        from sqlalchemy import func, select

        self.flush()
        self.prune()
        table = self._table
        since = self.clock() - dt.timedelta(days=days)
        with self.engine.connect() as connection:
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

    def feedback(self, days: int = 30) -> list[FeedbackCount]:
        """Votes per entry and intent, most 👎 first (where the answers need work)."""
        from sqlalchemy import func, select

        self.flush()
        table = self._table
        since = self.clock() - dt.timedelta(days=days)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.picked, table.c.query, table.c.outcome, func.count())
                .where(table.c.outcome.in_(("up", "down")), table.c.at >= since)
                .group_by(table.c.picked, table.c.query, table.c.outcome)
            ).all()
        counts: dict[tuple[str, str], list[int]] = {}
        for entry_id, intent, outcome, count in rows:
            counts.setdefault((entry_id, intent), [0, 0])[outcome == "down"] += count
        out = [FeedbackCount(e, i, up, down) for (e, i), (up, down) in counts.items()]
        return sorted(out, key=lambda f: (-f.unhelpful, -f.helpful, f.entry_id, f.intent))
