"""Build the Bolt app: one App for HTTP and Socket Mode, listeners registered by surface."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient

from bot import redact
from bot.commands import Answer
from bot.config import Config
from bot.misslog import MissLog
from bot.slack.claims import ClaimEvents
from bot.slack.delivery import retry_handlers
from bot.slack.settings import WorkspaceSettings
from bot.state import SharedState, open_ready
from bot.store import KnowledgeStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the listeners share: configuration, the knowledge, and the shared store."""

    config: Config
    store: KnowledgeStore
    state: SharedState
    settings: WorkspaceSettings
    misslog: MissLog | None = None

    def record(self, answer: Answer) -> None:
        """Count a query that found nothing (text only, never who asked)."""
        if self.misslog is not None and answer.missed:
            self.misslog.record_miss(answer.query.text)

    def keyword_channels(self, team_id: str) -> frozenset[str]:
        """The channels of this workspace where keywords get cards."""
        return self.settings.keyword_channels(team_id)

    def feedback_channel(self, team_id: str) -> str:
        """Where this workspace's problem reports go."""
        return self.settings.feedback_channel(team_id)

    def forget_workspace(self, team_id: str) -> None:
        """A workspace uninstalled the app: drop what the store keeps for it."""
        self.settings.forget(team_id)


class Identity:
    """The bot's own user and bot ids (from auth.test), fetched in the background.

    Bolt's default single-workspace authorization calls auth.test inside the first request, so
    a Slack outage at that moment turns a slash command, which needs no Web API call at all,
    into a 500. Here no request waits on auth.test: it is fetched (with retries) beside them,
    and until it arrives requests are authorized with the token alone."""

    RETRY_SECONDS = 30.0

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.result: dict[str, str] = {}
        self._lock = threading.Lock()
        self._fetching = False
        self._event = threading.Event()

    def get(self) -> dict[str, str]:
        if not self.result:
            self.fetch_in_background()
        return self.result

    def fetch_in_background(self) -> None:
        with self._lock:
            if self._fetching or self.result:
                return
            self._fetching = True
        threading.Thread(target=self._fetch, name="auth-test", daemon=True).start()

    def _fetch(self) -> None:
        while not self.result:
            try:
                response = self.client.auth_test()
                self.result = {
                    k: response.get(k) or ""
                    for k in ("user_id", "bot_id", "team_id", "team", "url")
                }
            except Exception as exc:  # logged (redacted) and retried: never fatal
                log.warning(
                    "auth.test failed (%s); retrying in %.0f s",
                    type(exc).__name__,
                    self.RETRY_SECONDS,
                )
                if self._event.wait(self.RETRY_SECONDS):
                    break
        with self._lock:
            self._fetching = False


class IdentityAuthorize(Authorize):
    """Authorize every request with the bot token and whatever auth.test has told us so far.

    An Authorize object (not a function) so Bolt calls it directly, without inspecting its
    arguments on every request."""

    def __init__(self, token: str, identity: Identity) -> None:
        self.token = token
        self.identity = identity

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,  # type: ignore[override]
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult:
        known = self.identity.get()
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or known.get("team_id"),
            bot_token=self.token,
            bot_user_id=known.get("user_id") or None,
            bot_id=known.get("bot_id") or None,
        )


def build_app(
    config: Config,
    store: KnowledgeStore,
    *,
    misslog: MissLog | None = None,
    state: SharedState | None = None,
) -> App:
    """The Bolt app. process_before_response=True: a slash command's answer is computed in
    well under a millisecond and returned in the HTTP response itself, so there is no 10 ms
    ack-polling delay; anything that calls Slack back runs in a lazy listener after the ack."""
    from bot.slack.listeners import register

    redact.install([config.bot_token, config.signing_secret, config.app_token])
    client = WebClient(
        token=config.bot_token or None,
        base_url=config.api_url,
        timeout=config.slack_timeout,
        retry_handlers=retry_handlers(),
    )
    state = state or open_ready(config.database_url)
    if config.oauth:  # several workspaces, installed through OAuth (bot/slack/oauth.py)
        from bot.slack.oauth import oauth_settings

        auth: dict[str, Any] = {"oauth_settings": oauth_settings(config, state, client)}
    else:  # one workspace, SLACK_BOT_TOKEN
        identity = Identity(client)
        identity.fetch_in_background()
        auth = {"authorize": IdentityAuthorize(config.bot_token, identity)}
    app = App(
        client=client,
        signing_secret=config.signing_secret or None,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="immuno"),
        logger=logging.getLogger("immuno.bolt"),
        **auth,
    )
    services = Services(config, store, state, WorkspaceSettings(state, config), misslog)
    app.use(ClaimEvents(services))
    register(app, services)
    if config.oauth:
        from bot.slack.oauth import register_uninstall

        register_uninstall(app, services)

    @app.error
    def on_error(error: Exception) -> None:
        # Never log the request body or tokens: just what failed.
        log.error("listener failed: %s: %s", type(error).__name__, error)

    return app
