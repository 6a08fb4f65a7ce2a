"""Build the Bolt app: one App for HTTP and Socket Mode, listeners registered by surface."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from slack_bolt import App
from slack_sdk import WebClient

from bot import redact
from bot.config import Config
from bot.misslog import MissLog
from bot.slack.claims import ClaimEvents
from bot.slack.delivery import retry_handlers
from bot.slack.identity import Identity, IdentityAuthorize
from bot.slack.services import Services
from bot.slack.settings import WorkspaceSettings
from bot.state import SharedState, open_ready
from bot.store import KnowledgeStore

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's pool for listener work that runs after the response (lazy listeners: replies
    and their retries), counting the work in flight so that `wait_idle` knows when it is over."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="immuno")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        with self._idle:
            self._in_flight += 1  # before the work can start, so it cannot finish uncounted
        future = super().submit(fn, *args, **kwargs)  # raises only once shut down
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any]) -> None:
        with self._idle:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Whether all submitted work finished within `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


class Background:
    """The threads an app runs beside requests: lazy listeners and the auth.test fetch.

    Closed at shutdown (and after each test), so that no reply or log line outlives the app."""

    def __init__(
        self,
        executor: ListenerExecutor,
        identity: Identity | None,
        misslog: MissLog | None = None,
    ) -> None:
        self.executor = executor
        self.identity = identity
        self.misslog = misslog

    def wait_idle(self, timeout: float) -> bool:
        """Whether the listener work after the responses so far (replies, their retries) was
        over within `timeout` seconds: after that, no reply reaches Slack until the next
        request. The tests wait on this to show that something did not happen, instead of
        waiting for a quiet period that a slow machine can outlast."""
        return self.executor.wait_idle(timeout)

    def close(self) -> None:
        """Let replies already being sent finish, write the misses they logged, then stop."""
        if self.identity is not None:
            self.identity.stop()
        self.executor.shutdown(wait=True)
        if self.misslog is not None:
            self.misslog.close()


def build_app(
    config: Config,
    store: KnowledgeStore,
    *,
    misslog: MissLog | None = None,
    state: SharedState | None = None,
) -> App:
    """The Bolt app (its background threads stop with the process)."""
    return build_app_and_background(config, store, misslog=misslog, state=state)[0]


def build_app_and_background(
    config: Config,
    store: KnowledgeStore,
    *,
    misslog: MissLog | None = None,
    state: SharedState | None = None,
) -> tuple[App, Background]:
    """The Bolt app and its background threads.

    process_before_response=True: a slash command's answer is computed in well under a
    millisecond and returned in the HTTP response itself, so there is no 10 ms
    ack-polling delay; anything that calls Slack back runs in a lazy listener after the ack."""
    from bot.slack.listeners import register

    redact.install([config.bot_token, config.signing_secret, config.app_token])
    client = WebClient(
        token=config.bot_token or None,
        base_url=config.api_url,
        timeout=config.slack_timeout,
        retry_handlers=retry_handlers(config.retry_backoff),
    )
    state = state or open_ready(config.database_url)
    identity: Identity | None = None
    if config.oauth:  # several workspaces, installed through OAuth (bot/slack/oauth.py)
        from bot.slack.oauth import oauth_settings

        auth: dict[str, Any] = {"oauth_settings": oauth_settings(config, state, client)}
    else:  # one workspace, SLACK_BOT_TOKEN
        identity = Identity(client)
        identity.fetch_in_background()
        auth = {"authorize": IdentityAuthorize(config.bot_token, identity)}
    executor = ListenerExecutor()
    app = App(
        # Named, so Bolt does not take the name from inspect.stack(): that reads the source of
        # every frame on the stack (half of building the app, more under a deep caller)
        name="immuno",
        client=client,
        signing_secret=config.signing_secret or None,
        # Every HTTP request reaches dispatch through bot/slack/intake.py, which has already
        # checked the signature on the raw bytes (a forged one gets 401 before Bolt sees it);
        # Bolt's own check would repeat it on every request, and Socket Mode has none to check.
        request_verification_enabled=False,
        process_before_response=True,
        listener_executor=executor,
        logger=logging.getLogger("immuno.bolt"),
        **auth,
    )
    services = Services(
        config, store, state, WorkspaceSettings(state, config), misslog, identity=identity
    )
    app.use(ClaimEvents(services))
    register(app, services)
    if config.oauth:
        from bot.slack.oauth import register_uninstall

        register_uninstall(app, services)

    @app.error
    def on_error(error: Exception) -> None:
        # Never log the request body or tokens: just what failed.
        log.error("listener failed: %s: %s", type(error).__name__, error)

    return app, Background(executor, identity, misslog)
