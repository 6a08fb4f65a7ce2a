"""One log line per request: what kind of request it was, for which workspace, the HTTP status
and how long it took. Never any text a user typed, nor user or channel ids.

    immuno.request: event app_mention team=T0001 status=200 12.3 ms
    immuno.request: command /immuno team=T0001 status=200 4.1 ms
    immuno.request: event app_mention team=T0001 status=503 2.0 ms   (store unreachable)

At INFO, so it can be silenced with LOG_LEVEL=WARNING. Secrets are redacted like every other
record (bot/redact.py). Under gunicorn the same description rides on gunicorn's own access line
instead (bot/slack/gunicorn_settings.py), so a request is still one line, not two:

    127.0.0.1 "POST /slack/events" 200 7804 2ms command /immuno team=T0001
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger("immuno.request")

#: The WSGI environ key a request's description is left under, for the server's access log.
ENVIRON_KEY = "immuno.request"
#: Whether this process's access log prints ENVIRON_KEY (set in a gunicorn worker).
_on_access_line = False


def use_access_line(enabled: bool) -> None:
    """Describe requests on the server's access line (True) or on a line of their own."""
    global _on_access_line
    _on_access_line = enabled


#: What may appear in a line: Slack's own identifiers and names, never free text.
_SAFE = re.compile(r"[^A-Za-z0-9_./#:-]")


def _safe(value: Any, limit: int = 60) -> str:
    return _SAFE.sub("", str(value or ""))[:limit] or "-"


def describe(body: Any) -> str:
    """The request's kind: "command /immuno", "event app_mention", "block_actions <id>"…"""
    if not isinstance(body, dict) or not body:
        return "unparsed"
    if body.get("command"):
        return f"command {_safe(body['command'])}"
    kind = body.get("type")
    if kind == "event_callback":
        return f"event {_safe((body.get('event') or {}).get('type'))}"
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0] or {}
        return f"block_actions {_safe(action.get('action_id'))}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {_safe((body.get('view') or {}).get('callback_id'))}"
    return _safe(kind)


def team_of(body: Any) -> str:
    if not isinstance(body, dict):
        return "-"
    team = body.get("team_id") or body.get("team") or ""
    if isinstance(team, dict):
        team = team.get("id") or ""
    return _safe(team, 20)


def record(
    body: Any,
    status: int,
    seconds: float,
    retry: str | None = None,
    environ: dict[str, Any] | None = None,
) -> None:
    again = f" retry={_safe(retry, 4)}" if retry else ""
    if _on_access_line and environ is not None:
        environ[ENVIRON_KEY] = f"{describe(body)} team={team_of(body)}{again}"
        return
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "%s team=%s status=%d%s %.1f ms",
        describe(body),
        team_of(body),
        status,
        again,
        seconds * 1000,
    )
