"""The shared store: event claims, keyword thread claims, channel rate limits, settings.

Every method is one short transaction against the database that all of the bot's processes
share, so a decision made by one process (this event is mine, this card was posted here, this
channel had its five cards this minute) holds for all of them. A claim is an
`INSERT … ON CONFLICT DO NOTHING`: the database's primary key decides which process wins, and
the claim is committed before the caller starts the work.

When the database cannot be reached, a method returns `Claim.UNAVAILABLE` (or raises nothing
and does nothing) and `Availability` logs the outage once; callers then fail towards *fewer*
replies, never more.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.state import tables
from bot.state.availability import Availability

log = logging.getLogger("bot.state")

EVENT_CLAIM_DAYS = 1
THREAD_CLAIM_DAYS = 7
PRUNE_EVERY_SECONDS = 600.0


class Claim(StrEnum):
    MINE = "mine"  # inserted by this call: go ahead
    TAKEN = "taken"  # someone else has it (or the limit is reached): do nothing
    UNAVAILABLE = "unavailable"  # the database did not answer: do nothing, say so upstream


@dataclass(frozen=True)
class EventKey:
    """Slack's event id is unique per app and workspace, so the key carries both."""

    api_app_id: str
    team_id: str
    event_id: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class SharedState:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        availability: Availability | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.availability = availability or Availability()
        self._insert = _insert_for(engine.dialect.name)
        # A claim runs for every event before its ack: its statement is built once, with
        # parameters. Building it per call (values, on_conflict, returning, then SQLAlchemy's
        # cache key of the new object) cost more than the database's own insert and commit.
        self._claim_event = self._claim_statement(
            tables.event_claims, ("api_app_id", "team_id", "event_id", "claimed_at"), "event_id"
        )
        self._claim_thread = self._claim_statement(
            tables.thread_claims,
            ("team_id", "channel", "thread_ts", "entry_id", "claimed_at"),
            "entry_id",
        )
        self._pruned_at = time.monotonic()
        self._prune_lock = threading.Lock()

    # -- events -------------------------------------------------------------------------------

    def _claim_statement(self, table: Any, columns: tuple[str, ...], returned: str) -> Any:
        """INSERT … ON CONFLICT DO NOTHING RETURNING `returned`, each column a parameter."""
        values: dict[str, Any] = {name: bindparam(name) for name in columns}
        return (
            self._insert(table)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table.c[returned])
        )

    def claim_event(self, key: EventKey) -> Claim:
        """MINE for the first caller with this key, in any process; TAKEN for every later one."""
        claim = self._claim(
            self._claim_event,
            {
                "api_app_id": key.api_app_id,
                "team_id": key.team_id,
                "event_id": key.event_id,
                "claimed_at": self.clock(),
            },
        )
        self._prune_now_and_then()
        return claim

    def release_event(self, key: EventKey) -> None:
        """Give up a claim whose work failed before any reply was posted, so that Slack's
        next delivery of the event can still be answered."""
        table = tables.event_claims
        self._write(
            delete(table).where(
                table.c.api_app_id == key.api_app_id,
                table.c.team_id == key.team_id,
                table.c.event_id == key.event_id,
            )
        )

    # -- keyword cards ------------------------------------------------------------------------

    def claim_thread(self, team_id: str, channel: str, thread_ts: str, entry_id: str) -> Claim:
        """MINE the first time this entry's card is due in this thread."""
        return self._claim(
            self._claim_thread,
            {
                "team_id": team_id,
                "channel": channel,
                "thread_ts": thread_ts,
                "entry_id": entry_id[:80],
                "claimed_at": self.clock(),
            },
        )

    def release_thread(self, team_id: str, channel: str, thread_ts: str, entry_id: str) -> None:
        """Undo claim_thread when the card was not sent after all (the channel's limit)."""
        table = tables.thread_claims
        self._write(
            delete(table).where(
                table.c.team_id == team_id,
                table.c.channel == channel,
                table.c.thread_ts == thread_ts,
                table.c.entry_id == entry_id[:80],
            )
        )

    def take_rate_slot(self, team_id: str, channel: str, limit: int, window_s: float) -> Claim:
        """MINE when fewer than `limit` sends happened in this channel in the last `window_s`.

        Each of the `limit` slots holds the time of one recent send; a send takes a slot that is
        free or older than the window with one atomic upsert, so two processes can never both
        take the last one."""
        table = tables.rate_slots
        now = self.clock()
        cutoff = now - dt.timedelta(seconds=window_s)
        for slot in range(limit):
            insert = self._insert(table).values(
                team_id=team_id, channel=channel, slot=slot, used_at=now
            )
            statement = insert.on_conflict_do_update(
                index_elements=[table.c.team_id, table.c.channel, table.c.slot],
                set_={"used_at": now},
                where=table.c.used_at <= cutoff,
            ).returning(table.c.slot)
            result = self._fetch(statement)
            if result is None:
                return Claim.UNAVAILABLE
            if result:
                return Claim.MINE
        return Claim.TAKEN

    # -- workspace settings -------------------------------------------------------------------

    def settings(self, team_id: str) -> dict[str, str] | None:
        """This workspace's settings, or None when the database cannot be read."""
        table = tables.workspace_settings
        rows = self._fetch(select(table.c.name, table.c.value).where(table.c.team_id == team_id))
        return None if rows is None else {name: value for name, value in rows}

    def set_setting(self, team_id: str, name: str, value: str) -> bool:
        table = tables.workspace_settings
        now = self.clock()
        statement = (
            self._insert(table)
            .values(team_id=team_id, name=name, value=value, updated_at=now)
            .on_conflict_do_update(
                index_elements=[table.c.team_id, table.c.name],
                set_={"value": value, "updated_at": now},
            )
        )
        return self._write(statement)

    def forget_workspace(self, team_id: str) -> None:
        """Delete everything kept for a workspace that uninstalled the app."""
        for table in (tables.workspace_settings, tables.thread_claims, tables.rate_slots):
            self._write(delete(table).where(table.c.team_id == team_id))

    # -- housekeeping -------------------------------------------------------------------------

    def prune(self) -> int:
        """Remove event claims older than a day and thread claims older than a week."""
        now = self.clock()
        removed = 0
        with self.engine.begin() as connection:
            for table, days, column in (
                (tables.event_claims, EVENT_CLAIM_DAYS, "claimed_at"),
                (tables.thread_claims, THREAD_CLAIM_DAYS, "claimed_at"),
                (tables.rate_slots, EVENT_CLAIM_DAYS, "used_at"),
            ):
                cutoff = now - dt.timedelta(days=days)
                result = connection.execute(delete(table).where(table.c[column] < cutoff))
                removed += result.rowcount or 0
        return removed

    def _prune_now_and_then(self) -> None:
        """Prune on a background thread at most every ten minutes per process, so no request
        waits for it and no cron job is needed."""
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        with self._prune_lock:
            if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
                return
            self._pruned_at = time.monotonic()
        threading.Thread(target=self._prune_quietly, name="state-prune", daemon=True).start()

    def _prune_quietly(self) -> None:
        try:
            self.prune()
        except SQLAlchemyError as exc:
            log.warning("pruning old claims failed: %s", type(exc).__name__)

    # -- one short transaction each -----------------------------------------------------------

    def _claim(self, statement: Any, parameters: dict[str, Any] | None = None) -> Claim:
        """Run an INSERT … ON CONFLICT DO NOTHING RETURNING: a row back means it inserted
        (rowcount is not reliable for this statement on every driver)."""
        rows = self._fetch(statement, parameters)
        if rows is None:
            return Claim.UNAVAILABLE
        return Claim.MINE if rows else Claim.TAKEN

    def _fetch(self, statement: Any, parameters: dict[str, Any] | None = None) -> list[Any] | None:
        if not self.availability.allow():
            return None
        try:
            with self.engine.begin() as connection:
                rows = list(connection.execute(statement, parameters).all())
        except SQLAlchemyError as exc:
            self.availability.failed(exc)
            return None
        self.availability.succeeded()
        return rows

    def _write(self, statement: Any) -> bool:
        if not self.availability.allow():
            return False
        try:
            with self.engine.begin() as connection:
                connection.execute(statement)
        except SQLAlchemyError as exc:
            self.availability.failed(exc)
            return False
        self.availability.succeeded()
        return True


def _insert_for(dialect: str) -> Callable[[Any], Any]:
    """The dialect's INSERT, which has on_conflict_do_nothing / on_conflict_do_update."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise ValueError(f"immuno's shared store supports SQLite and PostgreSQL, not {dialect}")
