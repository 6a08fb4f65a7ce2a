"""`/immuno …`: answered in the HTTP response itself, ephemeral, with a Share button."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot import answering, feedback, render
from bot.slack import delivery
from bot.slack.listeners.settings import SettingsText

if TYPE_CHECKING:
    from slack_bolt import App, BoltResponse

    from bot.slack.services import Services

log = logging.getLogger(__name__)

COMMAND = re.compile(r"^/immuno")


def register(app: App, services: Services) -> None:
    @app.command(COMMAND, middleware=[SettingsText(settings=False)])  # settings: its own listener
    def on_immuno(command: dict[str, Any]) -> BoltResponse:
        # The reply is the HTTP response itself (process_before_response): returned as a
        # BoltResponse, which Bolt sends as it is, so that a shared card's body is encoded
        # once (delivery.ephemeral_response) rather than by ack() on every reply.
        try:
            reply = answering.answer(
                command.get("text") or "",
                services.store.index,
                rejected=services.store.rejected_summary,
            )
            message = feedback.for_answer(reply)
        except Exception:  # the user must get an answer, whatever went wrong
            log.exception("slash command failed")
            message = render.error_message(
                "Sorry, something went wrong answering that. Please try again or rephrase."
            )
            reply = None
        if reply is not None:
            services.record(reply)
        return delivery.ephemeral_response(message)
