"""Configuration from the environment (and a .env file), checked once at start.

This module is the only reader of environment variables. A missing signing secret does not fail
in Bolt until the first request, which then gets a 500; we fail at start instead, with one line
that says what to set. The few settings the core needs wherever it runs (tests, the bench, the
validate command: no Slack tokens there) are read through the small functions below, which give
the same one-line error for a bad value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import KNOWLEDGE

DEFAULT_KNOWLEDGE = KNOWLEDGE
DEFAULT_API_URL = "https://slack.com/api/"
#: The bot scopes an OAuth install asks for (Bolt's SLACK_SCOPES overrides). users:read is for
#: the admin check of `/immuno settings`; the keyword feature's history scopes are optional.
DEFAULT_SCOPES = ("commands", "app_mentions:read", "chat:write", "users:read")
DEFAULT_DAILYMED_URL = "https://dailymed.nlm.nih.gov/dailymed/services/v2"
DEFAULT_OPENFDA_URL = "https://api.fda.gov"


class ConfigError(Exception):
    """Configuration that cannot work; the message says what to set."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {raw!r})") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {value})")
    return value


def _service_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, "").strip() or default
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must be an http(s) URL (got {url!r})")
    return url.rstrip("/")


DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Where a build without a git checkout (a Heroku slug) learns its commit, first set wins.
_VERSION_VARIABLES = ("IMMUNO_VERSION", "SOURCE_VERSION", "HEROKU_SLUG_COMMIT")


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def knowledge_path(env: Mapping[str, str] | None = None) -> Path:
    """IMMUNO_KNOWLEDGE, or the knowledge folder shipped with the code."""
    return Path(_environ(env).get("IMMUNO_KNOWLEDGE", "").strip() or DEFAULT_KNOWLEDGE)


def cache_setting(env: Mapping[str, str] | None = None) -> str:
    """IMMUNO_CACHE_DIR as set ("" for the default folder, "off" to disable the snapshot)."""
    return _environ(env).get("IMMUNO_CACHE_DIR", "").strip()


def max_file_bytes(env: Mapping[str, str] | None = None) -> int:
    """IMMUNO_MAX_FILE_BYTES: the largest knowledge file accepted."""
    return _int(_environ(env), "IMMUNO_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, minimum=1)


def build_version(env: Mapping[str, str] | None = None) -> str:
    """The commit a build without a git checkout was made from, as the platform tells it."""
    env = _environ(env)
    for name in _VERSION_VARIABLES:
        if env.get(name, "").strip():
            return env[name].strip()[:12]
    return ""


def log_level(env: Mapping[str, str] | None = None) -> str:
    """LOG_LEVEL, one of the standard level names."""
    raw = _environ(env).get("LOG_LEVEL", "").strip().upper() or "INFO"
    if raw not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {raw!r})")
    return raw


def _channels(raw: str) -> frozenset[str]:
    return frozenset(c.strip() for c in raw.replace(";", ",").split(",") if c.strip())


@dataclass(frozen=True)
class Config:
    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = DEFAULT_API_URL
    knowledge_path: Path = DEFAULT_KNOWLEDGE
    keyword_channels: frozenset[str] = field(default_factory=frozenset)
    keyword_replies_per_minute: int = 5
    feedback_channel: str = ""
    contributing_url: str = ""
    database_url: str = ""
    miss_retention_days: int = 90
    reload_interval: float = 2.0
    port: int = 3000
    slack_timeout: int = 10
    client_id: str = ""
    client_secret: str = ""
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    install_path: str = "/slack/install"
    redirect_uri_path: str = "/slack/oauth_redirect"
    redirect_uri: str = ""
    dailymed_url: str = DEFAULT_DAILYMED_URL
    openfda_url: str = DEFAULT_OPENFDA_URL
    drift_timeout: int = 20
    web_workers: int = 1
    log_level: str = "INFO"
    #: First wait before retrying a Slack call (doubles per retry); not an environment setting,
    #: tests shorten it because the waits are not what they test.
    retry_backoff: float = 0.5

    @property
    def oauth(self) -> bool:
        """Several workspaces, each installed through OAuth (no SLACK_BOT_TOKEN)."""
        return bool(self.client_id)

    @property
    def mode(self) -> str:
        """'socket' with an app token, 'http' with a bot token or OAuth, else the 'shell'."""
        if self.bot_token and self.app_token:
            return "socket"
        if self.bot_token or self.oauth:
            return "http"
        return "shell"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = _environ(env)
        bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip()
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if bot_token and not bot_token.startswith("xoxb-"):
            raise ConfigError(
                "SLACK_BOT_TOKEN must be a bot token starting with xoxb- "
                "(Slack app > OAuth & Permissions)"
            )
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
                "(Slack app > Basic Information > App-Level Tokens)"
            )
        if app_token and not bot_token:
            raise ConfigError(
                "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: set both for Socket Mode"
            )
        if bot_token and not app_token and not secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: copy it from Slack app > Basic "
                "Information > Signing Secret (needed for HTTP mode)"
            )
        client_id = env.get("SLACK_CLIENT_ID", "").strip()
        client_secret = env.get("SLACK_CLIENT_SECRET", "").strip()
        _check_oauth(bot_token, client_id, client_secret, secret)
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError(f"SLACK_API_URL must be an http(s) URL (got {api_url!r})")
        knowledge = knowledge_path(env)
        max_file_bytes(env)  # checked here so that a bad value stops the start, not a reload
        if not knowledge.exists():
            raise ConfigError(
                f"IMMUNO_KNOWLEDGE points at {str(knowledge)!r}, which does not exist"
            )
        contributing = env.get("IMMUNO_CONTRIBUTING_URL", "").strip()
        if contributing and not contributing.startswith("https://"):
            raise ConfigError("IMMUNO_CONTRIBUTING_URL must be an https:// address")
        return cls(
            bot_token=bot_token,
            signing_secret=secret,
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            knowledge_path=knowledge,
            keyword_channels=_channels(env.get("IMMUNO_KEYWORD_CHANNELS", "")),
            keyword_replies_per_minute=_int(env, "IMMUNO_KEYWORD_REPLIES_PER_MINUTE", 5),
            feedback_channel=env.get("IMMUNO_FEEDBACK_CHANNEL", "").strip(),
            contributing_url=contributing,
            database_url=env.get("DATABASE_URL", "").strip(),
            miss_retention_days=_int(env, "IMMUNO_MISS_RETENTION_DAYS", 90, minimum=1),
            reload_interval=float(_int(env, "IMMUNO_RELOAD_SECONDS", 2, minimum=1)),
            port=_int(env, "PORT", 3000, minimum=1),
            slack_timeout=_int(env, "IMMUNO_SLACK_TIMEOUT", 10, minimum=1),
            client_id=client_id,
            client_secret=client_secret,
            scopes=tuple(sorted(_channels(env.get("SLACK_SCOPES", "")))) or DEFAULT_SCOPES,
            install_path=_path(env, "SLACK_INSTALL_PATH", "/slack/install"),
            redirect_uri_path=_path(env, "SLACK_REDIRECT_URI_PATH", "/slack/oauth_redirect"),
            redirect_uri=env.get("SLACK_REDIRECT_URI", "").strip(),
            dailymed_url=_service_url(env, "IMMUNO_DAILYMED_URL", DEFAULT_DAILYMED_URL),
            openfda_url=_service_url(env, "IMMUNO_OPENFDA_URL", DEFAULT_OPENFDA_URL),
            drift_timeout=_int(env, "IMMUNO_DRIFT_TIMEOUT", 20, minimum=1),
            web_workers=_int(env, "WEB_CONCURRENCY", 1, minimum=1),
            log_level=log_level(env),
        )


def _path(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not value.startswith("/"):
        raise ConfigError(f"{name} must be a path starting with / (got {value!r})")
    return value


def _check_oauth(bot_token: str, client_id: str, client_secret: str, secret: str) -> None:
    """OAuth (several workspaces) and SLACK_BOT_TOKEN (one workspace) exclude each other."""
    if not (client_id or client_secret):
        return
    if bot_token:
        raise ConfigError(
            "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (installs through OAuth), not both"
        )
    if not (client_id and client_secret):
        raise ConfigError("OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    if not secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: copy it from Slack app > Basic Information > "
            "Signing Secret (needed for OAuth installs over HTTP)"
        )
