"""Socket Mode entry point (the Procfile's worker process): no public URL needed."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import Config
from bot.misslog import MissLog
from bot.slack.app import build_app
from bot.state import open_ready
from bot.store import KnowledgeStore

log = logging.getLogger(__name__)


def run_socket_mode(config: Config, store: KnowledgeStore) -> int:
    state = open_ready(config.database_url)
    store.watch(config.reload_interval)
    misslog = MissLog(engine=state.engine, retention_days=config.miss_retention_days)
    app = build_app(config, store, misslog=misslog, state=state)
    log.info(
        "immuno connecting to Slack in Socket Mode (%d entries)", len(store.index.knowledge.entries)
    )
    SocketModeHandler(app, config.app_token).start()  # type: ignore[no-untyped-call]
    return 0
