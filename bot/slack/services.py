"""What the Slack listeners share: configuration, the knowledge store, the miss log and the guards.

Its own module so the listeners need not import the app that registers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answering import Answer
from bot.config import Config
from bot.misslog import MissLog
from bot.slack.guards import ChannelRateLimit, SeenOnce
from bot.store import KnowledgeStore


@dataclass
class Services:
    """What the listeners share: configuration, the knowledge, and the guards."""

    config: Config
    store: KnowledgeStore
    misslog: MissLog | None = None
    events: SeenOnce = field(default_factory=SeenOnce)
    keyword_once: SeenOnce = field(default_factory=lambda: SeenOnce(ttl=7 * 24 * 3600))
    keyword_rate: ChannelRateLimit = field(default_factory=lambda: ChannelRateLimit(5))

    def record(self, answer: Answer) -> None:
        """Count a query that found nothing (text only, never who asked)."""
        if self.misslog is not None and answer.missed:
            self.misslog.record_miss(answer.query.text)
