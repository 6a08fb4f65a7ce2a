"""One module per Slack surface, as in Slack's Bolt starter template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.listeners import actions, commands, events, settings, views

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    settings.register(app, services)  # before commands: `/immuno settings …` is not a question
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    views.register(app, services)
