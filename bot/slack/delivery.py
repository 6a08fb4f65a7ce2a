"""Sending to Slack with retries: Web API calls and response_url posts.

slack_sdk retries only one connection error by default, and Bolt's respond() uses a webhook
client with no retry handlers at all. A dropped reply is a silent bot, so every send here retries
rate limits (honouring Retry-After), 5xx answers and connection faults, and a send that still
fails is logged once, without tokens, and never raised into a listener.
"""

from __future__ import annotations

import json
import logging
import random
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.webhook import WebhookClient

from bot.render import Message, MessageMemo

#: What Slack reads a JSON response body as (Bolt's own value for one it encodes).
JSON_CONTENT_TYPE = "application/json;charset=utf-8"

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


#: slack_sdk counts retries per call across all handlers, so each handler's limit is the total
#: number of retries after which it gives up: a 429 after two 500s is still retried.
MAX_RETRIES = 5


#: The wait before the first retry, in seconds; it doubles with each retry (slack_sdk's default,
#: about 15 s over five retries). Tests pass a shorter one: the waits are not what they test.
BACKOFF_SECONDS = 0.5


class _ScaledJitter(Jitter):
    """Up to twice the first wait added at random (slack_sdk adds up to a fixed second, which
    at the default backoff is the same and at a test's short backoff would be most of it)."""

    def __init__(self, backoff: float) -> None:
        self.spread = 2 * backoff

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.spread


def retry_handlers(backoff: float = BACKOFF_SECONDS) -> list[RetryHandler]:
    """Retry connection faults and timeouts, rate limits (waiting Retry-After) and 5xx.

    slack_sdk's connection handler does not count a read timeout as a connection error; a
    Slack that accepted the connection and then stalled is retried here too."""
    waits = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=_ScaledJitter(backoff))
    return [
        ConnectionErrorRetryHandler(
            max_retry_count=MAX_RETRIES,
            interval_calculator=waits,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError],
        ),
        RateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=waits),
        ServerErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=waits),
    ]


def payload(message: Message) -> dict[str, Any]:
    """The message fields of a Web API call or response_url post (attachments only when any)."""
    out: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
    if message.attachments:
        out["attachments"] = message.attachments
    return out


#: Each live message's JSON body as the ephemeral reply to a slash command.
_EPHEMERAL_BODIES: MessageMemo[str] = MessageMemo()


def ephemeral_response(message: Message) -> BoltResponse:
    """The HTTP response that shows `message` to the person who asked (a slash command's
    reply). A shared card is encoded once, not on every reply (MessageMemo). The whole body
    as one JSON object: Bolt's ack(text, blocks, attachments) drops the blocks when
    attachments are given, and a compare reply carries both."""

    def encode() -> str:
        return json.dumps({**payload(message), "response_type": "ephemeral"})

    body = _EPHEMERAL_BODIES.get(message, "ephemeral", encode)
    return BoltResponse(status=200, body=body, headers={"content-type": JSON_CONTENT_TYPE})


def call(client: Any, method: str, **kwargs: Any) -> Any:
    """A Web API call that logs a permanent failure instead of raising it."""
    try:
        return getattr(client, method)(**kwargs)
    except SlackApiError as exc:
        log.error("Slack API %s failed: %s", method, exc.response.get("error", "unknown error"))
    except (SlackClientError, OSError) as exc:
        log.error("Slack API %s failed: %s", method, type(exc).__name__)
    return None


def to_response_url(
    url: str,
    message: Message,
    *,
    timeout: float = TIMEOUT_SECONDS,
    backoff: float = BACKOFF_SECONDS,
    **options: Any,
) -> bool:
    """Post to a response_url with retries. True when Slack accepted it."""
    client = WebhookClient(
        url, timeout=int(max(1, timeout)), retry_handlers=retry_handlers(backoff)
    )
    try:
        response = client.send_dict({**payload(message), **options})
    except (SlackClientError, OSError) as exc:
        log.error("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.error("response_url post failed: HTTP %s", response.status_code)
        return False
    return True
