"""Shared state: event and thread claims, rate slots, workspace settings, the miss log, and
slack_sdk's installation and OAuth-state tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-02

The miss-log table existed before migrations (created by the old MissLog on first write), so it
is created only when missing; its rows are kept. slack_sdk's tables are written out in
bot/state/slack_tables.py as slack_sdk 3.48 builds them (a test keeps them equal); a future
slack_sdk schema change needs a new migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state import slack_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "immuno_event_claims",
        sa.Column("api_app_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("api_app_id", "team_id", "event_id", name="pk_immuno_event_claims"),
    )
    op.create_index("ix_immuno_event_claims_claimed_at", "immuno_event_claims", ["claimed_at"])
    op.create_table(
        "immuno_thread_claims",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("entry_id", sa.String(80), nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint(
            "team_id", "channel", "thread_ts", "entry_id", name="pk_immuno_thread_claims"
        ),
    )
    op.create_index("ix_immuno_thread_claims_claimed_at", "immuno_thread_claims", ["claimed_at"])
    op.create_table(
        "immuno_rate_slots",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel", "slot", name="pk_immuno_rate_slots"),
    )
    op.create_table(
        "immuno_workspace_settings",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.String(2000), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "name", name="pk_immuno_workspace_settings"),
    )
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "immuno_query_events" not in existing:
        op.create_table(
            "immuno_query_events",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("at", sa.DateTime),
            sa.Column("query", sa.String(200)),
            sa.Column("outcome", sa.String(8)),
            sa.Column("picked", sa.String(60), nullable=True),
        )
        op.create_index("ix_immuno_query_events_at", "immuno_query_events", ["at"])
        op.create_index("ix_immuno_query_events_query", "immuno_query_events", ["query"])
    metadata = sa.MetaData()
    for table in slack_tables.tables(metadata):
        if table.name not in existing:
            table.create(op.get_bind())


def downgrade() -> None:
    metadata = sa.MetaData()
    for table in reversed(slack_tables.tables(metadata)):
        table.drop(op.get_bind(), checkfirst=True)
    for name in (
        "immuno_workspace_settings",
        "immuno_rate_slots",
        "immuno_thread_claims",
        "immuno_event_claims",
    ):
        op.drop_table(name)
