"""One module per Slack surface, as in Slack's Bolt starter template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.listeners import (
    actions,
    assistant,
    events,
    feedback,
    grade,
    pages,
    settings,
    shortcut,
    slash,
    submissions,
    unfurl,
)

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.slack.services import Services


def register(app: App, services: Services) -> None:
    assistant.register(app, services)  # middleware: sees assistant-thread messages first
    slash.register(app, services)  # first: most requests are slash commands
    settings.register(app, services)  # `/immuno settings …`, which the slash listener leaves
    events.register(app, services)
    actions.register(app, services)
    submissions.register(app, services)
    pages.register(app, services)
    shortcut.register(app, services)
    feedback.register(app, services)
    unfurl.register(app, services)
    grade.register(app, services)
