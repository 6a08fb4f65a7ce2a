"""Configuration: what runs where, and one clear line for what is missing."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError


def test_no_tokens_means_the_local_shell() -> None:
    assert Config.from_env({}).mode == "shell"


def test_tokens_pick_socket_mode_or_http() -> None:
    assert (
        Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).mode == "socket"
    )
    config = Config.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "IMMUNO_KEYWORD_CHANNELS": "C1, C2;C3",
        }
    )
    assert config.mode == "http"
    assert config.api_url == "http://127.0.0.1:9/api/"
    assert config.keyword_channels == {"C1", "C2", "C3"}


@pytest.mark.parametrize(
    "env,message",
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, "must be a bot token"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "app-level token"),
        ({"IMMUNO_KNOWLEDGE": "/nonexistent/knowledge"}, "does not exist"),
        ({"IMMUNO_KEYWORD_REPLIES_PER_MINUTE": "lots"}, "must be a whole number"),
        ({"SLACK_API_URL": "slack.com/api"}, "must be an http(s) URL"),
    ],
)
def test_malformed_configuration_says_what_to_set(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Config.from_env(env)
