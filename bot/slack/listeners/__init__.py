"""One module per Slack surface, as in Slack's Bolt starter template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.listeners import actions, events, settings, slash, submissions

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.slack.services import Services


def register(app: App, services: Services) -> None:
    settings.register(app, services)  # before slash: `/immuno settings …` is not a question
    slash.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    submissions.register(app, services)
