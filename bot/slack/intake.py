"""The HTTP door: what a request must be before any of it is parsed or handled.

Slack's own requests are small and signed. So, in this order: a body larger than
MAX_BODY_BYTES is refused with 413 before it is read (by its Content-Length, or by reading one
byte past the limit when it has none); the signature and its five-minute timestamp are checked
on the raw bytes (401); only then is the body decoded and parsed (400 when it is not UTF-8, JSON
or a form Slack would send); a signed interactive request seen before (a replay within the
five minutes) is acknowledged and not run again. Every refusal is one log line, never the body.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context

from bot.slack.guards import Claims

if TYPE_CHECKING:
    from wsgiref.types import WSGIEnvironment

log = logging.getLogger(__name__)

#: Slack's largest payloads (a view submission, a message's blocks in a block action) are tens
#: of kilobytes; anything far beyond is not from Slack.
MAX_BODY_BYTES = 512 * 1024
#: Slack's replay window: a request signed longer ago than this is refused.
MAX_AGE_SECONDS = 300
#: Payload types a person triggers by clicking or submitting; each delivery is signed afresh.
_INTERACTIVE = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)


@dataclass(frozen=True)
class Refusal:
    """A request turned away before any handler ran: the status and a short, fixed reason."""

    status: int
    reason: str


def headers_of(environ: WSGIEnvironment) -> dict[str, str]:
    """The request headers, lower-case and dashed, as Bolt expects them."""
    out = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            out[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            out[key[5:].lower().replace("_", "-")] = value
    return out


def read_body(environ: WSGIEnvironment) -> bytes | Refusal:
    """The body, or 413 when it is over the limit: known from Content-Length before reading,
    or (chunked, no length) from reading at most one byte past the limit."""
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ.get("wsgi.input")
    if raw_length:
        if not raw_length.isdigit():
            return Refusal(400, "bad Content-Length")
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            return Refusal(413, f"body of {length:,} bytes is over the limit")
        body: bytes = stream.read(length) if stream is not None and length else b""
        return body
    if "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower() and stream is not None:
        data: bytes = stream.read(MAX_BODY_BYTES + 1)
        if len(data) > MAX_BODY_BYTES:
            return Refusal(413, "chunked body is over the limit")
        return data
    return b""


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """Slack's v0 signature over the raw bytes, signed within the last five minutes."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isdigit() or not signature:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body  # the raw bytes, as Slack signs them
    expected = "v0=" + hmac.digest(secret.encode(), base, "sha256").hex()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _form_fields(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=True))


def parse(text: str, query: str, headers: dict[str, str]) -> BoltRequest | Refusal:
    """A BoltRequest for a signed body, or 400 when the body is not what Slack sends.

    Also repairs slack-bolt's reading of a slash command whose text holds the word "payload"
    (Bolt would parse it as an interactivity payload, get {} and drop it with a 404)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            if not isinstance(json.loads(text), dict):
                return Refusal(400, "JSON body is not an object")
        except ValueError:
            return Refusal(400, "body is not valid JSON")
    elif "payload" in text:  # Bolt's own test for "parse the payload field as JSON"
        fields = _form_fields(text)
        if "payload" in fields:
            try:
                if not isinstance(json.loads(fields["payload"]), dict):
                    return Refusal(400, "payload is not a JSON object")
            except ValueError:
                return Refusal(400, "payload is not valid JSON")
    request = BoltRequest(body=text, query=query, headers=dict(headers.items()))
    if not request.body and text and "payload" in text and not stripped.startswith("{"):
        fields = _form_fields(text)
        if "payload" not in fields:
            request.body = fields
            request.context = build_context(BoltContext({}), fields)
    return request


def is_replay(claims: Claims, headers: dict[str, str], request: BoltRequest) -> bool:
    """A signed interactive request (button, modal submission) whose exact signature was
    already seen: a replay, since Slack signs every delivery afresh. Events are claimed by
    event_id elsewhere; a slash command only answers the caller, so it is not guarded."""
    if not isinstance(request.body, dict) or request.body.get("type") not in _INTERACTIVE:
        return False
    return not claims.claim("interactive:" + headers.get("x-slack-signature", ""))


def admit(
    environ: WSGIEnvironment, secret: str, claims: Claims
) -> tuple[BoltRequest | None, Refusal | None]:
    """The request to dispatch, or why it was refused (logged once, without its body)."""
    body = read_body(environ)
    headers = headers_of(environ)
    refusal: Refusal | None = None
    request: BoltRequest | None = None
    if isinstance(body, Refusal):
        refusal = body
    elif not verify(secret, headers, body):
        refusal = Refusal(401, "missing, stale or wrong signature")
    else:
        try:
            parsed: BoltRequest | Refusal = parse(
                body.decode("utf-8"), environ.get("QUERY_STRING", ""), headers
            )
        except UnicodeDecodeError:
            parsed = Refusal(400, "body is not UTF-8")
        if isinstance(parsed, Refusal):
            refusal = parsed
        elif is_replay(claims, headers, parsed):
            refusal = Refusal(200, "replayed interactive request; not run again")
        else:
            request = parsed
    if refusal is not None:
        log.info("refused a request: %d %s", refusal.status, refusal.reason)
    return request, refusal


def describe(refusal: Refusal) -> tuple[str, list[tuple[str, str]], bytes]:
    """The HTTP status line, headers and body for a refusal."""
    phrases = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large"}
    body = b"" if refusal.status == 200 else phrases[refusal.status].encode()
    status = f"{refusal.status} {phrases[refusal.status]}"
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    return status, headers, body
