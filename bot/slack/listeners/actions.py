"""Buttons and selects: drill-down sections, choices, Share in channel, Report a problem."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import answering, render, views
from bot.render import Message
from bot.slack import delivery
from bot.slack.interaction import action_pattern, action_value

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services

log = logging.getLogger(__name__)


def parse_value(value: str) -> tuple[str, str, str]:
    """Button values are "entry-id|section|query"; the last two may be empty."""
    entry_id, _, rest = value.partition("|")
    section, _, query = rest.partition("|")
    return entry_id, section, query


def _show(body: dict[str, Any], client: WebClient, services: Services, message: Message) -> None:
    """Show a card where the button was: in place when ephemeral, in the thread when public,
    in the Home tab when pressed there."""
    container = body.get("container") or {}
    user = (body.get("user") or {}).get("id", "")
    if container.get("type") == "view" or body.get("view", {}).get("type") == "home":
        view = views.home(
            services.store.index.knowledge, services.config.contributing_url, shown=message
        )
        delivery.call(client, "views_publish", user_id=user, view=view)
        return
    if container.get("is_ephemeral") or not body.get("message"):
        url = body.get("response_url")
        if url:
            delivery.to_response_url(
                url,
                message,
                replace_original=True,
                response_type="ephemeral",
                timeout=services.config.slack_timeout,
                backoff=services.config.retry_backoff,
            )
        return
    msg = body["message"]
    delivery.call(
        client,
        "chat_postMessage",
        channel=(body.get("channel") or {}).get("id"),
        thread_ts=msg.get("thread_ts") or msg.get("ts"),
        unfurl_links=False,
        **delivery.payload(message.public()),
    )


def register(app: App, services: Services) -> None:
    def ack_only(ack: Ack) -> None:
        ack()

    def show_section(body: dict[str, Any], client: WebClient) -> None:
        entry_id, section, query = parse_value(action_value(body))
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        message = answering.entry_card(
            services.store.index, entry_id, section or None, shareable=ephemeral
        )
        if message is None:
            message = render.error_message("That entry is no longer in the knowledge file.")
        _show(body, client, services, message)
        if query and services.misslog is not None:
            services.misslog.record_pick(query, entry_id)

    for action in (render.ACTION_SECTION, render.ACTION_CHOOSE, render.ACTION_BROWSE):
        app.action(action_pattern(action))(ack=ack_only, lazy=[show_section])

    def share(body: dict[str, Any]) -> None:
        entry_id, section, query = parse_value(action_value(body))
        message: Message | None
        if section == "answer" and query:  # an answer to a question: share that answer
            message = answering.answer(query, services.store.index).message
        else:
            message = answering.entry_card(services.store.index, entry_id, section or None)
        url = body.get("response_url")
        if message is None or not url:
            return
        user = (body.get("user") or {}).get("id", "")
        public = render.shared_by(message.public(), user)
        timing = {
            "timeout": services.config.slack_timeout,
            "backoff": services.config.retry_backoff,
        }
        # An ephemeral answer inside a thread (the message shortcut's) is shared in that thread.
        thread = (body.get("container") or {}).get("thread_ts")
        where = {"thread_ts": thread} if thread else {}
        if delivery.to_response_url(
            url, public, response_type="in_channel", replace_original=False, **timing, **where
        ):
            delivery.to_response_url(url, Message(text=""), delete_original=True, **timing)

    app.action(action_pattern(render.ACTION_SHARE))(ack=ack_only, lazy=[share])

    def open_report(body: dict[str, Any], client: WebClient) -> None:
        """After the ack (lazy): an ack never waits on a Web API call, in HTTP or Socket Mode,
        and the trigger id stays valid for 3 s, far longer than this takes to start."""
        entry_id, section, _ = parse_value(action_value(body))
        entry = services.store.index.knowledge.get(entry_id)
        channel = (body.get("channel") or {}).get("id", "")
        view = views.report_modal(entry, section, channel)
        delivery.call(client, "views_open", trigger_id=body.get("trigger_id"), view=view)

    app.action(action_pattern(render.ACTION_REPORT))(ack=ack_only, lazy=[open_report])
