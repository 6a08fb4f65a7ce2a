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
from urllib.parse import parse_qsl

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context

from bot.config import Config, ConfigError
from bot.slack import outcome
from bot.state.migrate import NotMigrated
from bot.store import KnowledgeError, KnowledgeStore

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def bolt_request(body: str, query: Any, headers: dict[str, Any]) -> BoltRequest:
    """A BoltRequest whose form body is parsed correctly even when it contains "payload".

    slack-bolt treats any form body containing the word "payload" as an interactivity payload,
    so `/immuno show payload` would parse to {} and be dropped with a 404. The raw body (which
    the signature covers) is untouched; only the parsed view is repaired.
    """
    request = BoltRequest(body=body, query=query, headers=headers)
    if not request.body and body and "payload" in body and not body.lstrip().startswith("{"):
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in fields:
            request.body = fields
            request.context = build_context(BoltContext({}), fields)
    return request


class ImmunoRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter with the "payload" fix and a health check."""

    def __init__(self, app: App, store: KnowledgeStore, path: str = EVENTS_PATH) -> None:
        super().__init__(app, path)
        self.store = store

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        started = time.perf_counter()
        bolt = bolt_request(request.get_body(), request.query_string, request.get_headers())
        response = self.app.dispatch(bolt)
        retry = (bolt.headers.get("x-slack-retry-num") or [None])[0]
        outcome.record(bolt.body, response.status, time.perf_counter() - started, retry)
        return response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            knowledge = self.store.index.knowledge
            body = json.dumps(
                {
                    "ok": True,
                    "entries": len(knowledge.entries),
                    "version": knowledge.info.version or knowledge.info.content_hash,
                    "newest_edit_rejected": self.store.rejection is not None,
                }
            )
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        return super().__call__(environ, start_response)


def create_application(
    config: Config, store: KnowledgeStore | None = None, *, watch: bool = True
) -> ImmunoRequestHandler:
    from bot.misslog import MissLog
    from bot.slack.app import build_app
    from bot.state import open_ready

    state = open_ready(config.database_url)
    store = store or KnowledgeStore(config.knowledge_path)
    if watch:
        store.watch(config.reload_interval)
    misslog = MissLog(engine=state.engine, retention_days=config.miss_retention_days)
    app = build_app(config, store, misslog=misslog, state=state)
    return ImmunoRequestHandler(app, store)


def _from_environment() -> ImmunoRequestHandler:
    from dotenv import load_dotenv

    load_dotenv(override=False)
    try:
        config = Config.from_env()
        if config.mode == "shell" or not config.signing_secret:
            raise ConfigError(
                "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(OAuth), and SLACK_SIGNING_SECRET, to serve HTTP"
            )
        return create_application(config)
    except (ConfigError, KnowledgeError, NotMigrated) as exc:
        print(f"immuno: cannot start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


_application: ImmunoRequestHandler | None = None


def __getattr__(name: str) -> Any:
    """`application` is built on first access, so importing this module has no side effects."""
    global _application
    if name == "application":
        if _application is None:
            _application = _from_environment()
        return _application
    raise AttributeError(name)
