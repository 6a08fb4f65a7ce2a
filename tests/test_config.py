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
        ({"IMMUNO_MAX_FILE_BYTES": "8MB"}, "IMMUNO_MAX_FILE_BYTES must be a whole number"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
    ],
)
def test_malformed_configuration_says_what_to_set(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Config.from_env(env)


def test_a_bad_setting_is_one_line_even_for_commands_without_slack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`validate` needs no tokens, but a bad limit still stops it with one line, not a traceback."""
    from bot.cli import main

    monkeypatch.setenv("IMMUNO_MAX_FILE_BYTES", "lots")
    monkeypatch.setenv("IMMUNO_CACHE_DIR", "off")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "immuno: configuration error: IMMUNO_MAX_FILE_BYTES must be a whole number (got 'lots')"
    ]


def test_a_build_without_git_takes_its_version_from_the_platform() -> None:
    from bot.config import build_version

    assert build_version({"SOURCE_VERSION": "0123456789abcdef"}) == "0123456789ab"
    assert build_version({}) == ""


def test_logging_honours_log_level_and_redacts_once_configured(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every process logs through one set of handlers at LOG_LEVEL, tokens redacted (bot.logs);
    a warning is written at once, an INFO line (one per request) by the writer thread."""
    import logging

    from bot import logs

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        logs.configure("warning")
        logs.configure("WARNING")  # a second call adds no second handler
        ours = [h for h in root.handlers if (h.get_name() or "").startswith("immuno")]
        assert len(ours) == 2 and root.level == logging.WARNING
        log = logging.getLogger("immuno.test")
        log.info("not shown at WARNING")
        log.warning("token xoxb-1234-5678-abcdefghijkl in a message")
        err = capsys.readouterr().err  # no wait: warnings are not deferred
        assert "WARNING immuno.test:" in err and "xoxb-1234-5678-abcdefghijkl" not in err
        logs.configure("INFO")
        log.info("request line with xoxb-1234-5678-abcdefghijkl")
        logs.reset()  # what is queued is written before the handlers go (also at exit)
        err = capsys.readouterr().err
        assert "not shown" not in err
        assert "INFO immuno.test: request line with [redacted token]" in err
    finally:
        logs.reset()
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
