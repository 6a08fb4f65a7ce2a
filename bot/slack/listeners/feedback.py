"""👍 / 👎 under answers: each press counted per entry and intent in the miss-log database.

Who voted is never stored. In memory only, each person's first vote on an answer counts, so a
double click (or a change of mind) is not a second vote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import feedback
from bot.slack import delivery
from bot.slack.guards import SeenOnce
from bot.slack.interaction import action_pattern, action_value, user_id

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.slack.services import Services

#: How long a person's vote on one answer is remembered (in memory) against double counting.
VOTE_MEMORY_SECONDS = 7 * 24 * 3600


def register(app: App, services: Services) -> None:
    voted = SeenOnce(ttl=VOTE_MEMORY_SECONDS)

    def ack_vote(ack: Ack) -> None:
        ack()

    def count_vote(body: dict[str, Any]) -> None:
        vote = feedback.parse(action_value(body))
        if vote is None:
            return
        container = body.get("container") or {}
        key = f"{user_id(body)}:{container.get('message_ts')}:{vote.entry_id}:{vote.intent}"
        first = voted.claim(key)
        if first and services.misslog is not None:
            services.misslog.record_feedback(vote.entry_id, vote.intent, helpful=vote.helpful)
        entry = services.store.index.knowledge.get(vote.entry_id)
        title = entry.title if entry else vote.entry_id
        url = body.get("response_url")
        if url:
            delivery.to_response_url(
                url,
                feedback.thanks(vote, title, again=not first),
                response_type="ephemeral",
                replace_original=False,
                timeout=services.config.slack_timeout,
            )

    app.action(action_pattern(feedback.ACTION_FEEDBACK))(ack=ack_vote, lazy=[count_vote])
