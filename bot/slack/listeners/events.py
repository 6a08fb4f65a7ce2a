"""Mentions (answered in the thread), keywords in opted-in channels, and the App Home tab."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import answering, feedback, render, views
from bot.knowledge import Kind
from bot.query import strip_mentions
from bot.render import Message
from bot.slack import delivery
from bot.slack.claims import claimed_work, keyword_candidate
from bot.state import Claim

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
        # The event was claimed before this ran (bot.slack.claims): a retry never gets here.
        with claimed_work(services, body) as work:
            try:
                reply = answering.answer(
                    strip_mentions(event.get("text") or ""),
                    services.store.index,
                    rejected=services.store.rejected_summary,
                )
                message = feedback.for_answer(reply, reply.message.public())
            except Exception:
                log.exception("mention failed")
                message, reply = (
                    render.error_message("Sorry, something went wrong answering that."),
                    None,
                )
            work.sent(
                delivery.call(
                    client,
                    "chat_postMessage",
                    channel=event.get("channel"),
                    thread_ts=thread_of(event),
                    unfurl_links=False,
                    unfurl_media=False,
                    **delivery.payload(message),
                )
            )
        if reply is not None:
            services.record(reply)

    app.event("app_mention")(ack=_ack, lazy=[answer_mention])

    def keyword_ack(ack: Ack) -> None:
        ack()

    def answer_keywords(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        team = body.get("team_id") or ""
        channel = event.get("channel") or ""
        if channel not in services.keyword_channels(team):
            return
        if not keyword_candidate(event, body, services.bot_user_id(context.get("bot_user_id"))):
            return  # bots (ourselves included), edits, joins, and mentions
        thread = thread_of(event)
        index = services.store.index
        state = services.state
        limit = services.config.keyword_replies_per_minute
        with claimed_work(services, body) as work:
            read = (event.get("text") or "")[: answering.MAX_QUERY_CHARS]  # as for a question
            replies: list[tuple[str, Message]] = []
            described = answering.patient_answer(read, index)
            if described is not None and described.entry is not None:
                # A described patient gets the compact answer instead of cards.
                replies = [(described.entry.id, described.message.public())]
            else:
                # Concepts are subjects, not things a message names: "immunotherapy" in a
                # chat about a patient is not a question about how immunotherapy works.
                named = [
                    e for e in index.entries_named(read, fuzzy=False) if e.kind is not Kind.CONCEPT
                ]
                replies = [
                    (e.id, render.compact_card(e, index.knowledge))
                    for e in named[:MAX_KEYWORD_CARDS]
                ]
            for entry_id, card in replies:
                if state.claim_thread(team, channel, thread, entry_id) is not Claim.MINE:
                    continue  # already posted in this thread (or the store is unreachable)
                if state.take_rate_slot(team, channel, limit, 60.0) is not Claim.MINE:
                    state.release_thread(team, channel, thread, entry_id)
                    break  # this channel had its cards this minute
                work.sent(
                    delivery.call(
                        client,
                        "chat_postMessage",
                        channel=channel,
                        thread_ts=thread,
                        unfurl_links=False,
                        unfurl_media=False,
                        **delivery.payload(card),
                    )
                )

    app.event("message")(ack=keyword_ack, lazy=[answer_keywords])

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        view = views.home(services.store.index.knowledge, services.config.contributing_url)
        delivery.call(client, "views_publish", user_id=event.get("user"), view=view)

    app.event("app_home_opened")(ack=_ack, lazy=[publish_home])
