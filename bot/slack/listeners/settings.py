"""`/immuno settings …`: a workspace admin sets this workspace's keyword and feedback channels.

    /immuno settings                                  show them
    /immuno settings keyword-channels #a #b | none    where keywords get cards
    /immuno settings feedback-channel #c | none       where problem reports go

The ack answers at once ("checking…"); whether the user is a workspace admin or owner is asked
of users.info after the ack (acks never wait on a Web API call), and the outcome is posted to
the command's response_url.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.blocks import escape_user_text
from bot.render import Message
from bot.slack import delivery
from bot.slack.settings import FEEDBACK_CHANNEL, KEYWORD_CHANNELS

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.services import Services

log = logging.getLogger(__name__)

COMMAND = re.compile(r"^/immuno")
SETTINGS = re.compile(r"^\s*settings\b", re.I)
MAX_CHANNELS = 50  # what the settings column holds, with room to spare
NAMES = {"keyword-channels": KEYWORD_CHANNELS, "feedback-channel": FEEDBACK_CHANNEL}
#: A channel as Slack escapes it (<#C123|name>) or a bare channel id.
CHANNEL = re.compile(r"^(?:<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>|([CG][A-Z0-9]{2,30}))$")
USAGE = (
    "Usage: `/immuno settings` to see them; `/immuno settings keyword-channels <#channel> …` or "
    "`none` (at most 50); `/immuno settings feedback-channel <#channel>` or `none`. Channels "
    "are given as links or channel ids. Only workspace admins can change them."
)


def parse(text: str) -> tuple[str, str] | str | None:
    """(setting, value) for a change, None to show them, or an error message."""
    words = SETTINGS.sub("", text, count=1).split()
    if not words:
        return None
    name = NAMES.get(words[0].lower())
    if name is None:
        return USAGE
    values = words[1:]
    if [v.lower() for v in values] == ["none"]:
        return name, ""
    ids = []
    for value in values:
        found = CHANNEL.match(value)
        if not found:
            return f"{escape_user_text(value, 80)} is not a channel. {USAGE}"
        ids.append(found.group(1) or found.group(2))
    if not ids or (name == FEEDBACK_CHANNEL and len(ids) != 1) or len(ids) > MAX_CHANNELS:
        return USAGE
    return name, " ".join(dict.fromkeys(ids))


def _show(services: Services, team: str) -> str:
    keyword = " ".join(f"<#{c}>" for c in sorted(services.keyword_channels(team))) or "none"
    feedback = services.feedback_channel(team)
    return (
        f"Keyword channels: {keyword}\nFeedback channel: {f'<#{feedback}>' if feedback else 'none'}"
    )


def is_admin(client: WebClient, user: str) -> bool:
    response = delivery.call(client, "users_info", user=user)
    person = (response or {}).get("user") or {}
    return bool(person.get("is_admin") or person.get("is_owner"))


class SettingsText(Middleware):
    """Lets a slash command reach a listener only when whether its text is `settings …` is
    what that listener wants; otherwise Bolt goes on to the next listener (it skips a listener
    whose middleware does not call next). A listener matcher would do the same, but Bolt builds
    every listener argument to call one, on every slash command; this reads the one field."""

    def __init__(self, *, settings: bool) -> None:
        self.settings = settings

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if bool(SETTINGS.match(req.body.get("text") or "")) is self.settings:
            return next()
        return None


def register(app: App, services: Services) -> None:
    def ack_settings(ack: Ack, command: dict[str, Any]) -> None:
        parsed = parse(command.get("text") or "")
        if parsed is None:
            text = _show(services, command.get("team_id") or "")
        elif isinstance(parsed, str):
            text = parsed
        else:
            text = "Checking that you are an admin of this workspace…"
        ack(text=text, response_type="ephemeral")

    def change(command: dict[str, Any], client: WebClient) -> None:
        parsed = parse(command.get("text") or "")
        url = command.get("response_url") or ""
        if not isinstance(parsed, tuple) or not url:
            return
        team, user = command.get("team_id") or "", command.get("user_id") or ""
        if not is_admin(client, user):
            text = "Only workspace admins and owners can change immuno's settings."
        elif services.settings.set(team, *parsed):
            text = "Saved.\n" + _show(services, team)
        else:
            text = "The settings could not be saved right now (the database did not answer)."
        delivery.to_response_url(
            url, Message(text=text), response_type="ephemeral", replace_original=True
        )

    app.command(COMMAND, middleware=[SettingsText(settings=True)])(ack=ack_settings, lazy=[change])
