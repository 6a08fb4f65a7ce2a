"""`/immuno …`: answered in the HTTP response itself, ephemeral, with a Share button."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot import answering, feedback, render
from bot.slack import delivery
from bot.slack.listeners.settings import SettingsText

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.slack.services import Services

log = logging.getLogger(__name__)

COMMAND = re.compile(r"^/immuno")


def register(app: App, services: Services) -> None:
    @app.command(COMMAND, middleware=[SettingsText(settings=False)])  # settings: its own listener
    def on_immuno(ack: Ack, command: dict[str, Any]) -> None:
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
        # The whole body as a dict: Bolt's ack(text, blocks, attachments) drops the blocks
        # when attachments are given, and a compare reply carries both.
        ack({**delivery.payload(message), "response_type": "ephemeral"})
        if reply is not None:
            services.record(reply)
