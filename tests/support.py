"""Test support: a fake Slack Web API on localhost and a real HTTP server around the bot.

This follows bolt-python's own tests: a real http.server answers the Web API paths and records
what it received, the app is pointed at it through SLACK_API_URL, and Slack's requests to us are
forged and signed with the signing secret. Nothing of the bot's own code is mocked.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token-secret-value"
BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
#: How often a test server checks for shutdown; the default half second was most of the wall
#: time of the Slack tests (two servers per test, each waiting up to one poll on shutdown).
POLL_SECONDS = 0.02


@dataclass
class Received:
    """One request the fake Slack received."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeSlack:
    """The Web API (and response_url) side of Slack, recording calls and injecting faults."""

    received: list[Received] = field(default_factory=list)
    faults: dict[str, list[Any]] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0
    ts_counter: int = 0
    #: Seconds until an OAuth bot token expires (token rotation), or 0 for tokens that do not.
    token_expires_in: int = 0
    rotations: int = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail(self, path: str, *faults: Any) -> None:
        """Queue faults for a path: an HTTP status (429 gets Retry-After: 0), "reset",
        "timeout" (stall, then drop the connection) or "slow" (answer after a second)."""
        with self.cond:
            self.faults.setdefault(path, []).extend(faults)

    def calls(self, path: str) -> list[Received]:
        with self.cond:
            return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` successful calls to `path` were received."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len([r for r in self.received if r.path == path]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return [r for r in self.received if r.path == path]

    def settle(self, quiet: float = 0.2, timeout: float = 5.0) -> None:
        """Wait until nothing new arrived for `quiet` seconds (to prove something did NOT
        happen)."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            with self.cond:
                now = len(self.received)
            if now == last:
                return
            last = now
            time.sleep(quiet)


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _reply(
            self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
        ) -> None:
            data = body if isinstance(body, str) else json.dumps(body)
            raw = data.encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/json" if not isinstance(body, str) else "text/plain"
            )
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype and raw:
                body = json.loads(raw)
            else:
                body = dict(parse_qsl(raw, keep_blank_values=True))
            path = self.path.removeprefix("/api")
            with fake.cond:
                queue = fake.faults.get(path)
                fault = queue.pop(0) if queue else None
            if fault == "reset":
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                return
            if fault == "slow":
                time.sleep(1.0)
                fault = None
            if fault == "timeout":
                time.sleep(1.5)
                self.connection.close()
                return
            if isinstance(fault, int):
                headers = {"Retry-After": "0"} if fault == 429 else {}
                self._reply(
                    fault,
                    {"ok": False, "error": "ratelimited" if fault == 429 else "fatal_error"},
                    headers,
                )
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.cond:
                fake.received.append(Received(path, body, headers))
                fake.ts_counter += 1
                ts = f"1700000000.{fake.ts_counter:06d}"
                fake.cond.notify_all()
            if path.startswith("/response/"):
                self._reply(200, "ok")
            elif path == "/auth.test":
                team = workspace_of_token(headers.get("authorization", ""))
                self._reply(
                    200,
                    {
                        "ok": True,
                        "url": "https://test.slack.com/",
                        "team": "T",
                        "user": "immuno",
                        "team_id": team or "T0001",
                        "user_id": f"UBOT{team}" if team else BOT_USER,
                        "bot_id": f"BBOT{team}" if team else BOT_ID,
                    },
                )
            elif path == "/oauth.v2.access":
                self._reply(200, oauth_access(fake, body))
            elif path == "/users.info":
                user = body.get("user", "")
                self._reply(
                    200, {"ok": True, "user": {"id": user, "is_admin": user.startswith("UADMIN")}}
                )
            elif path == "/chat.postMessage":
                self._reply(
                    200,
                    {
                        "ok": True,
                        "channel": body.get("channel"),
                        "ts": ts,
                        "message": {"text": body.get("text", "")},
                    },
                )
            else:
                self._reply(200, {"ok": True})

    return Handler


#: OAuth: the code Slack hands the redirect is "code-<team id>"; that workspace's bot token is
#: "xoxb-<team id>-<n>", n counting token rotations.
def workspace_of_token(authorization: str) -> str:
    token = authorization.removeprefix("Bearer ").strip()
    parts = token.split("-")
    if len(parts) == 3 and parts[0] == "xoxb" and parts[1].startswith("TW"):
        return parts[1]
    return ""


def oauth_access(fake: FakeSlack, body: dict[str, Any]) -> dict[str, Any]:
    """oauth.v2.access: a code exchange (install) or a refresh (token rotation)."""
    if body.get("grant_type") == "refresh_token":
        team = body.get("refresh_token", "").removeprefix("xoxe-1-").split("-")[0]
        with fake.cond:
            fake.rotations += 1
            n = fake.rotations + 1
        return {
            "ok": True,
            "access_token": f"xoxb-{team}-{n}",
            "refresh_token": f"xoxe-1-{team}-{n}",
            "expires_in": 43200,
            "token_type": "bot",
            "team": {"id": team},
            "bot_user_id": f"UBOT{team}",
            "scope": "commands,app_mentions:read,chat:write,users:read",
        }
    team = body.get("code", "").removeprefix("code-")
    if not team.startswith("TW"):
        return {"ok": False, "error": "invalid_code"}
    response: dict[str, Any] = {
        "ok": True,
        "app_id": "A0001",
        "authed_user": {"id": f"UADMIN{team}"},
        "scope": "commands,app_mentions:read,chat:write,users:read",
        "token_type": "bot",
        "access_token": f"xoxb-{team}-1",
        "bot_user_id": f"UBOT{team}",
        "team": {"id": team, "name": f"Hospital {team}"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if fake.token_expires_in:
        response.update(refresh_token=f"xoxe-1-{team}-1", expires_in=fake.token_expires_in)
    return response


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        def run() -> None:
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

        threading.Thread(target=run, daemon=True).start()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(application: Callable) -> Iterator[str]:
    """Serve a WSGI application on a free localhost port; yields its base URL."""
    server = make_server(
        "127.0.0.1", 0, application, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        close = getattr(application, "close", None)
        if close is not None:  # replies still being sent finish inside the test, not after it
            close()


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post(
    url: str,
    body: str,
    content_type: str,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    request = Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": content_type, **(headers or {})},
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode(), dict(response.headers))
    except HTTPError as exc:
        return Reply(exc.code, exc.read().decode(), dict(exc.headers))


def slash_body(
    text: str, response_url: str = "", user: str = "U1NURSE", channel: str = "C1ONC"
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "hospital",
            "channel_id": channel,
            "channel_name": "oncology",
            "user_id": user,
            "user_name": "nurse",
            "command": "/immuno",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": "123.456.abc",
        }
    )


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authed_users": [BOT_USER],
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    response_url: str,
    ephemeral: bool = True,
    channel: str = "C1ONC",
    message_ts: str = "1700000000.000001",
    thread_ts: str | None = None,
    user: str = "U1NURSE",
    container_type: str = "message",
) -> str:
    message = {"type": "message", "ts": message_ts, "text": "card"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    container: dict[str, Any] = {
        "type": container_type,
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "nurse", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "container": container,
        "trigger_id": "123.456.abc",
        "team": {"id": "T0001", "domain": "hospital"},
        "channel": {"id": channel, "name": "oncology"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "type": "button",
                "value": value,
                "action_ts": "1700000001.000001",
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }
    if not ephemeral and container_type == "message":
        payload["message"] = message
    return urlencode({"payload": json.dumps(payload)})
