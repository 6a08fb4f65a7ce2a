"""Modal submissions: a "Report a problem" goes to the maintainers' channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import views
from bot.blocks import is_channel_id, is_user_id
from bot.slack import delivery

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def ack_report(ack: Ack, view: dict[str, Any]) -> None:
        errors = views.report_errors(view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def send_report(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if views.report_errors(view):
            return
        report = views.read_report(view)
        user = (body.get("user") or {}).get("id", "")
        entry = services.store.index.knowledge.get(report.entry_id)
        message = views.report_message(report, entry, user)
        channel = services.feedback_channel((body.get("team") or {}).get("id") or "")
        if channel:
            delivery.call(
                client,
                "chat_postMessage",
                channel=channel,
                unfurl_links=False,
                **delivery.payload(message),
            )
        else:
            log.warning(
                "IMMUNO_FEEDBACK_CHANNEL is not set: a problem report for %r was not forwarded",
                report.entry_id,
            )
        thanks = views.thanks_message(entry)
        if not is_user_id(user):
            return
        if is_channel_id(report.channel):
            delivery.call(
                client,
                "chat_postEphemeral",
                channel=report.channel,
                user=user,
                **delivery.payload(thanks),
            )
        else:
            delivery.call(client, "chat_postMessage", channel=user, **delivery.payload(thanks))

    app.view(views.REPORT_CALLBACK)(ack=ack_report, lazy=[send_report])
