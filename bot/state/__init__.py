"""The store that the bot's processes share (claims, rate limits, settings, miss log).

The Slack layer opens it with `open_state(url)`; the core (answering, search, rendering) never
imports it. See store.py for the guarantees and availability.py for what happens while the
database is unreachable.
"""

from __future__ import annotations

from bot.state.engine import DEFAULT_URL, normalise_url
from bot.state.store import Claim, EventKey, SharedState

__all__ = ["DEFAULT_URL", "Claim", "EventKey", "SharedState", "open_ready", "open_state"]


def open_state(url: str | None) -> SharedState:
    """The shared store at DATABASE_URL (SQLite in the working folder when unset). Opening
    connects to nothing: the first claim does."""
    from bot.state.engine import create

    return SharedState(create(normalise_url(url)))


def open_ready(url: str | None) -> SharedState:
    """open_state, checked for a current schema (SQLite migrates itself; see migrate.py).

    A database that does not answer at start is not fatal: the outage is logged once, slash
    commands are served, and events wait (503) until it answers. A database that answers but
    is behind raises NotMigrated, whose one line says what to run."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.state.migrate import ready

    state = open_state(url)
    try:
        ready(state.engine)
    except SQLAlchemyError as exc:
        state.availability.failed(exc)
    return state
