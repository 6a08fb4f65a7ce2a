"""`/immuno list` page buttons: Previous / Next turn an ephemeral listing in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot import listing
from bot.slack import delivery
from bot.slack.interaction import action_pattern, action_value, is_ephemeral

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.slack.services import Services


def register(app: App, services: Services) -> None:
    def ack_page(ack: Ack) -> None:
        ack()

    def turn_page(body: dict[str, Any]) -> None:
        """An ephemeral listing is replaced by the asked page; on a public one (a mention's
        reply) the page goes to the presser alone, so nobody else's view changes."""
        wanted = listing.parse_page_value(action_value(body))
        url = body.get("response_url")
        if wanted is None or not url:
            return
        message = listing.page(services.store.index.knowledge, *wanted)
        delivery.to_response_url(
            url,
            message,
            replace_original=is_ephemeral(body),
            response_type="ephemeral",
            timeout=services.config.slack_timeout,
        )

    app.action(action_pattern(listing.ACTION_PAGE))(ack=ack_page, lazy=[turn_page])
