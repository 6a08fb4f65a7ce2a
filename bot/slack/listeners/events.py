"""Mentions (answered in the thread), keywords in opted-in channels, and the App Home tab."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import answering, render, views
from bot.knowledge import Kind
from bot.query import strip_mentions
from bot.slack import delivery

if TYPE_CHECKING:
    from slack_bolt import Ack, App, BoltContext
    from slack_sdk import WebClient

    from bot.slack.services import Services

log = logging.getLogger(__name__)

#: A keyword message names at most this many entries worth a card.
MAX_KEYWORD_CARDS = 3


def _ack(ack: Ack) -> None:
    ack()


def thread_of(event: dict[str, Any]) -> str:
    """Reply in the thread the message is in, or start one under it."""
    return event.get("thread_ts") or event.get("ts") or ""


def register(app: App, services: Services) -> None:
    def answer_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if not services.events.claim(
            body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        ):
            return  # a retry of an event we are already answering
        try:
            reply = answering.answer(
                strip_mentions(event.get("text") or ""),
                services.store.index,
                rejected=services.store.rejected_summary,
            )
            message = reply.message.public()
        except Exception:
            log.exception("mention failed")
            message, reply = (
                render.error_message("Sorry, something went wrong answering that."),
                None,
            )
        delivery.call(
            client,
            "chat_postMessage",
            channel=event.get("channel"),
            thread_ts=thread_of(event),
            unfurl_links=False,
            unfurl_media=False,
            **delivery.payload(message),
        )
        if reply is not None:
            services.record(reply)

    app.event("app_mention")(ack=_ack, lazy=[answer_mention])

    def keyword_ack(ack: Ack) -> None:
        ack()

    def answer_keywords(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        channel = event.get("channel") or ""
        if channel not in services.config.keyword_channels:
            return
        if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
            return  # never answer bots (ourselves included), edits or joins
        text = event.get("text") or ""
        bot_user = services.bot_user_id(context.get("bot_user_id"))
        if bot_user and f"<@{bot_user}" in text:
            return  # a mention: the app_mention listener answers it
        if not services.events.claim(body.get("event_id") or f"{channel}:{event.get('ts')}"):
            return
        thread = thread_of(event)
        index = services.store.index
        read = text[: answering.MAX_QUERY_CHARS]  # the same bound as a question
        described = answering.patient_answer(read, index)
        if described is not None and described.entry is not None:
            # A described patient gets the compact answer, once per entry per thread.
            key = f"{channel}:{thread}:{described.entry.id}"
            if key not in services.keyword_once and services.keyword_rate.allow(channel):
                services.keyword_once.claim(key)
                delivery.call(
                    client,
                    "chat_postMessage",
                    channel=channel,
                    thread_ts=thread,
                    unfurl_links=False,
                    unfurl_media=False,
                    **delivery.payload(described.message.public()),
                )
            return
        # Concepts are subjects, not things a message names: "immunotherapy" in a chat about
        # a patient is not a question about how immunotherapy works.
        named = [e for e in index.entries_named(read, fuzzy=False) if e.kind is not Kind.CONCEPT]
        for entry in named[:MAX_KEYWORD_CARDS]:
            key = f"{channel}:{thread}:{entry.id}"
            if key in services.keyword_once or not services.keyword_rate.allow(channel):
                continue
            services.keyword_once.claim(key)
            card = render.compact_card(entry, index.knowledge)
            delivery.call(
                client,
                "chat_postMessage",
                channel=channel,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
                **delivery.payload(card),
            )

    app.event("message")(ack=keyword_ack, lazy=[answer_keywords])

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        view = views.home(services.store.index.knowledge, services.config.contributing_url)
        delivery.call(client, "views_publish", user_id=event.get("user"), view=view)

    app.event("app_home_opened")(ack=_ack, lazy=[publish_home])
