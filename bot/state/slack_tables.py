"""slack_sdk's OAuth tables (installations, bots, OAuth states), written out here.

slack_sdk's SQLAlchemy stores build these with their own table builders; the schema is spelled
out here, as of slack_sdk 3.48, so that a migration stays what it was when it was written, and so
that creating a new embedded database does not import slack_sdk's SQLAlchemy stores (half a
second, with their asyncio support). tests/test_migrations.py checks that these match what
slack_sdk builds; a slack_sdk upgrade that changes them needs a new migration.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table


def _bot_columns() -> list[Column[object]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _token_columns() -> list[Column[object]]:
    return [
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


def tables(metadata: MetaData) -> list[Table]:
    installations = Table(
        "slack_installations",
        metadata,
        *_bot_columns(),
        Column("enterprise_url", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        *_token_columns(),
        Column("user_id", String(32), nullable=False),
        Column("user_token", String(200)),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", String(200)),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", String(200)),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, nullable=False, default=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False),
        Index(
            "slack_installations_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )
    bots = Table(
        "slack_bots",
        metadata,
        *_bot_columns(),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        *_token_columns(),
        Column("is_enterprise_install", Boolean, nullable=False, default=False),
        Column("installed_at", DateTime, nullable=False),
        Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    states = Table(
        "slack_oauth_states",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )
    return [installations, bots, states]
