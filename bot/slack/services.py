"""What the Slack listeners share: configuration, the knowledge, the shared store, the miss log.

Its own module so the listeners need not import the app that registers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering import Answer
from bot.config import Config
from bot.misslog import MissLog
from bot.slack.identity import Identity
from bot.slack.settings import WorkspaceSettings
from bot.state import SharedState
from bot.store import KnowledgeStore

#: How long a listener waits for auth.test before treating its own id as unknown.
IDENTITY_WAIT_SECONDS = 2.0


@dataclass
class Services:
    """What the listeners share: configuration, the knowledge, and the shared store (event,
    thread and rate claims; per-workspace settings)."""

    config: Config
    store: KnowledgeStore
    state: SharedState
    settings: WorkspaceSettings
    misslog: MissLog | None = None
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

    def keyword_channels(self, team_id: str) -> frozenset[str]:
        """The channels of this workspace where keywords get cards."""
        return self.settings.keyword_channels(team_id)

    def feedback_channel(self, team_id: str) -> str:
        """Where this workspace's problem reports go."""
        return self.settings.feedback_channel(team_id)

    def forget_workspace(self, team_id: str) -> None:
        """A workspace uninstalled the app: drop what the store keeps for it."""
        self.settings.forget(team_id)
