"""`/immuno …`: answered in the HTTP response itself, ephemeral, with a Share button."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot import answering, render

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.slack.services import Services

log = logging.getLogger(__name__)

COMMAND = re.compile(r"^/immuno")


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def on_immuno(ack: Ack, command: dict[str, Any]) -> None:
        try:
            reply = answering.answer(
                command.get("text") or "",
                services.store.index,
                rejected=services.store.rejected_summary,
            )
            message = reply.message
        except Exception:  # the user must get an answer, whatever went wrong
            log.exception("slash command failed")
            message = render.error_message(
                "Sorry, something went wrong answering that. Please try again or rephrase."
            )
            reply = None
        ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
        if reply is not None:
            services.record(reply)
