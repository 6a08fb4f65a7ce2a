"""The "Ask immuno about this" message shortcut: any message, thread replies included, read as a
question and answered privately to whoever asked, in that conversation.

Slash commands cannot be used in threads, where clinical discussion happens; this is the way in
there. The message was written by someone else, for people: its text is never stored (not even
as a miss), since it may describe a patient.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import feedback, render
from bot.message_answer import answer_message
from bot.render import Message
from bot.slack import delivery
from bot.slack.interaction import user_id
from bot.slack.message_text import plain_text

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services

log = logging.getLogger(__name__)

CALLBACK_ID = "immuno_lookup"
NO_TEXT = (
    "That message has no text I can read. Try the shortcut on a message that names a drug, "
    "side effect or cancer, or type `/immuno <question>`."
)


def reply_thread(message: dict[str, Any]) -> str | None:
    """The thread to answer in: the message's thread when it is a reply in one; a message in
    the channel itself (a thread's parent included) is answered in the channel."""
    thread = message.get("thread_ts")
    return thread if thread and thread != message.get("ts") else None


def reply_for(text: str, services: Services) -> Message:
    if not text:
        return render.error_message(NO_TEXT)
    try:
        answer, message = answer_message(
            text, services.store.index, rejected=services.store.rejected_summary
        )
        return feedback.offer(message, message.entry_id, feedback.intent_of(answer))
    except Exception:  # the user must get an answer, whatever went wrong
        log.exception("message shortcut failed")
        return render.error_message("Sorry, something went wrong reading that message.")


def register(app: App, services: Services) -> None:
    def ack_shortcut(ack: Ack) -> None:
        ack()

    def answer_shortcut(body: dict[str, Any], client: WebClient) -> None:
        message = body.get("message") or {}
        reply = reply_for(plain_text(message.get("text") or ""), services)
        channel = (body.get("channel") or {}).get("id", "")
        sent = delivery.call(
            client,
            "chat_postEphemeral",
            channel=channel,
            user=user_id(body),
            thread_ts=reply_thread(message),
            **delivery.payload(reply),
        )
        url = body.get("response_url")
        if sent is None and url:
            # Not a member of that conversation (a DM, a channel the bot was not added to):
            # the shortcut's own response_url still reaches the person who asked.
            delivery.to_response_url(
                url,
                reply,
                response_type="ephemeral",
                replace_original=False,
                timeout=services.config.slack_timeout,
            )

    app.message_shortcut(CALLBACK_ID)(ack=ack_shortcut, lazy=[answer_shortcut])
