"""The tables immuno keeps in its shared store (what Alembic's migrations create).

Names are prefixed `immuno_` so they can share a database with anything else, including
slack_sdk's own installation and OAuth-state tables (created by the same migrations). Nothing here
holds who asked what: claims hold Slack ids only, the miss log normalised query text only.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

metadata = MetaData()

#: One row per Slack event being answered: the first process to insert it answers it.
event_claims = Table(
    "immuno_event_claims",
    metadata,
    Column("api_app_id", String(32), nullable=False),
    Column("team_id", String(32), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("claimed_at", DateTime, nullable=False, index=True),
    PrimaryKeyConstraint("api_app_id", "team_id", "event_id", name="pk_immuno_event_claims"),
)

#: "This card was already posted in this thread": a keyword card goes once per entry per thread.
thread_claims = Table(
    "immuno_thread_claims",
    metadata,
    Column("team_id", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("thread_ts", String(32), nullable=False),
    Column("entry_id", String(80), nullable=False),
    Column("claimed_at", DateTime, nullable=False, index=True),
    PrimaryKeyConstraint(
        "team_id", "channel", "thread_ts", "entry_id", name="pk_immuno_thread_claims"
    ),
)

#: A sliding-window rate limit as `limit` slots per channel: a send takes a slot whose last use
#: is older than the window (one atomic upsert), so the limit holds across processes exactly.
rate_slots = Table(
    "immuno_rate_slots",
    metadata,
    Column("team_id", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("used_at", DateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "channel", "slot", name="pk_immuno_rate_slots"),
)

#: Per-workspace settings a workspace admin can change (keyword channels, feedback channel).
workspace_settings = Table(
    "immuno_workspace_settings",
    metadata,
    Column("team_id", String(32), nullable=False),
    Column("name", String(40), nullable=False),
    Column("value", String(2000), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "name", name="pk_immuno_workspace_settings"),
)

#: The miss log: queries that found nothing, and the suggestion then picked (text only).
query_events = Table(
    "immuno_query_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, index=True),
    Column("query", String(200), index=True),
    Column("outcome", String(8)),
    Column("picked", String(60), nullable=True),
)

__all__ = [
    "event_claims",
    "metadata",
    "query_events",
    "rate_slots",
    "thread_claims",
    "workspace_settings",
]
