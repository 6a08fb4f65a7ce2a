"""The production HTTP entry point: Bolt behind a WSGI server, plus GET /healthz.

`gunicorn bot.slack.web:application` (the Procfile's web process). Configuration is read and
checked when the module is loaded, so a missing secret stops the process at start with one clear
line instead of answering every request with a 500.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse

from bot.config import Config, ConfigError
from bot.slack import intake, outcome
from bot.slack.claims import StoreClaims
from bot.slack.guards import Claims, SeenOnce
from bot.state.migrate import NotMigrated
from bot.store import KnowledgeError, KnowledgeStore

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from bot.slack.app import Background

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
#: gunicorn.arbiter.Arbiter.APP_LOAD_ERROR: a worker exiting with it stops the whole server.
APP_LOAD_ERROR = 4


class ImmunoRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter behind the checks of bot.slack.intake, plus a health check."""

    def __init__(
        self,
        app: App,
        store: KnowledgeStore,
        secret: str,
        path: str = EVENTS_PATH,
        replays: Claims | None = None,
        background: Background | None = None,
    ) -> None:
        super().__init__(app, path)
        self.store = store
        self.secret = secret
        # Interactive signatures are remembered a little longer than Slack's 5-minute window.
        self.replays: Claims = replays or SeenOnce(ttl=intake.MAX_AGE_SECONDS + 60)
        self.background = background

    def close(self) -> None:
        """Stop watching the knowledge and let replies in flight finish."""
        self.store.stop()
        if self.background is not None:
            self.background.close()

    def health(self, start_response: StartResponse) -> Iterable[bytes]:
        """Liveness and what is loaded; no commit or paths (nothing a stranger could use)."""
        body = json.dumps(
            {
                "ok": True,
                "entries": len(self.store.index.knowledge.entries),
                "newest_edit_rejected": self.store.rejection is not None,
            }
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") == HEALTH_PATH and method in ("GET", "HEAD"):
            return self.health(start_response)
        if environ.get("PATH_INFO") != self.path or method != "POST":
            return super().__call__(environ, start_response)
        request, refusal = intake.admit(environ, self.secret, self.replays)
        if refusal is not None:
            status, headers, body = intake.describe(refusal)
            start_response(status, headers)
            return [body]
        assert request is not None
        started = time.perf_counter()
        bolt_response = self.app.dispatch(request)
        retries = request.headers.get("x-slack-retry-num") or []
        retry = retries[0] if retries else None
        seconds = time.perf_counter() - started
        outcome.record(request.body, bolt_response.status, seconds, retry, environ)
        response = WsgiHttpResponse(**_fields(bolt_response))
        start_response(response.status, response.get_headers())
        return response.get_body()


def _fields(response: BoltResponse) -> dict[str, Any]:
    return {"status": response.status, "headers": response.headers, "body": response.body}


def create_application(
    config: Config, store: KnowledgeStore | None = None, *, watch: bool = True
) -> ImmunoRequestHandler:
    from bot.misslog import MissLog
    from bot.slack.app import build_app_and_background
    from bot.state import open_ready

    state = open_ready(config.database_url)
    store = store or KnowledgeStore(config.knowledge_path)
    if watch:
        store.watch(config.reload_interval)
    misslog = MissLog(engine=state.engine, retention_days=config.miss_retention_days)
    app, background = build_app_and_background(config, store, misslog=misslog, state=state)
    return ImmunoRequestHandler(
        app, store, config.signing_secret, replays=StoreClaims(state), background=background
    )


def _from_environment() -> ImmunoRequestHandler:
    from dotenv import load_dotenv

    from bot import logs

    load_dotenv(override=False)
    try:
        config = Config.from_env()
        logs.configure(config.log_level)
        if config.mode == "shell" or not config.signing_secret:
            raise ConfigError(
                "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(OAuth), and SLACK_SIGNING_SECRET, to serve HTTP"
            )
        return create_application(config)
    except (ConfigError, KnowledgeError, NotMigrated) as exc:
        print(f"immuno: cannot start: {exc}", file=sys.stderr, flush=True)
        # Gunicorn's "app failed to load" status: the master stops instead of restarting the
        # worker over and over (the shell and Socket Mode exit with 2 for the same reasons).
        raise SystemExit(APP_LOAD_ERROR) from None


_application: ImmunoRequestHandler | None = None


def __getattr__(name: str) -> Any:
    """`application` is built on first access, so importing this module has no side effects."""
    global _application
    if name == "application":
        if _application is None:
            _application = _from_environment()
        return _application
    raise AttributeError(name)
