"""What the Slack listeners share: configuration, the knowledge store, the miss log and the guards.

Its own module so the listeners need not import the app that registers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answering import Answer
from bot.config import Config
from bot.misslog import MissLog
from bot.slack.guards import ChannelRateLimit, SeenOnce
from bot.slack.identity import Identity
from bot.store import KnowledgeStore

#: How long a listener waits for auth.test before treating its own id as unknown.
IDENTITY_WAIT_SECONDS = 2.0


@dataclass
class Services:
    """What the listeners share: configuration, the knowledge, and the guards."""

    config: Config
    store: KnowledgeStore
    misslog: MissLog | None = None
    events: SeenOnce = field(default_factory=SeenOnce)
    keyword_once: SeenOnce = field(default_factory=lambda: SeenOnce(ttl=7 * 24 * 3600))
    keyword_rate: ChannelRateLimit = field(default_factory=lambda: ChannelRateLimit(5))
    identity: Identity | None = None

    def bot_user_id(self, context_value: str | None, wait: float = IDENTITY_WAIT_SECONDS) -> str:
        """The bot's own user id: from the request, or (when the request came before auth.test
        answered) from auth.test, waited for briefly. Only called after the ack."""
        if context_value:
            return context_value
        if self.identity is None:
            return ""
        return self.identity.wait(wait).get("user_id", "")

    def record(self, answer: Answer) -> None:
        """Count a query that found nothing (text only, never who asked)."""
        if self.misslog is not None and answer.missed:
            self.misslog.record_miss(answer.query.text)
