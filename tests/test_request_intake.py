"""The HTTP door (bot/slack/intake.py), attacked over real loopback HTTP: oversized and
malformed bodies, and replayed interactive requests."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import socket
import time
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from conftest import FEEDBACK_CHANNEL, Bot
from support import SIGNING_SECRET, action_body, post, sign

from bot.slack.intake import MAX_BODY_BYTES

FORM = "application/x-www-form-urlencoded"


def _raw(bot: Bot, head: str, body: bytes = b"", timeout: float = 5.0) -> tuple[str, float]:
    """Send raw bytes; the status line of the answer and how long it took."""
    port = int(bot.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        status = sock.recv(200).split(b"\r\n", 1)[0].decode()
    return status, time.monotonic() - started


def test_an_oversized_body_gets_413_before_it_is_sent(bot: Bot, caplog) -> None:
    """Content-Length says 100 MB; only 64 KB is ever sent, and the answer does not wait."""
    caplog.set_level(logging.INFO)
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    )
    status, seconds = _raw(bot, head, b"{" * 65536)
    assert " 413 " in status and seconds < 2
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == [
        "refused a request: 413 body of 104,857,600 bytes is over the limit"
    ]


def test_an_oversized_chunked_body_gets_413(bot: Bot) -> None:
    """No Content-Length: at most one byte past the limit is read."""
    head = "POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, _ = _raw(bot, head, b"a" * (MAX_BODY_BYTES + 4096))
    assert " 413 " in status


MALFORMED = {
    "non-numeric timestamp": ("a=b", FORM, {"X-Slack-Request-Timestamp": "soon"}),
    "non-UTF-8 body": (b"text=\xff\xfe".decode("latin-1"), FORM, {}),
    "gzip body": (gzip.compress(b"text=hi").decode("latin-1"), FORM, {}),
    "bad JSON": ("{not json", "application/json", {}),
    "bad payload=": ("payload=%7Bnot", FORM, {}),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_unsigned_requests_get_401_and_one_log_line(bot: Bot, kind, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    body, ctype, headers = MALFORMED[kind]
    headers = {"X-Slack-Signature": "v0=" + "0" * 64, **headers}
    reply = post(bot.events_url, body, ctype, {"X-Slack-Request-Timestamp": "1", **headers})
    assert reply.status == 401
    mine = [r for r in caplog.records if r.name.startswith(("bot.", "immuno", "slack_bolt"))]
    assert [r.getMessage() for r in mine] == [
        "refused a request: 401 missing, stale or wrong signature"
    ]
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("kind", ["non-UTF-8 body", "gzip body", "bad JSON", "bad payload="])
def test_malformed_signed_requests_get_400(bot: Bot, kind, caplog) -> None:
    caplog.set_level(logging.INFO)
    body, ctype, _ = MALFORMED[kind]
    raw = body.encode("latin-1")  # the exact bytes, signed as Slack signs them
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}
    request = Request(bot.events_url, raw, {"Content-Type": ctype, **headers}, method="POST")
    with pytest.raises(HTTPError) as refused:
        urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert not any(r.exc_info for r in caplog.records)
    assert sum("refused a request: 400" in r.getMessage() for r in caplog.records) == 1


def test_a_replayed_share_is_posted_once(bot: Bot) -> None:
    """The same signed click sent three times within the five minutes: one public card."""
    body = action_body("immuno.share", "crs|overview", response_url=bot.slack.response_url())
    headers = sign(body)
    replies = [post(bot.events_url, body, FORM, headers) for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 200]
    bot.slack.wait_for("/response/r1")
    bot.settle()
    public = [
        r for r in bot.slack.calls("/response/r1") if r.body.get("response_type") == "in_channel"
    ]
    assert len(public) == 1


def test_a_replayed_report_reaches_the_maintainers_once(bot: Bot) -> None:
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1NURSE", "team_id": "T0001"},
        "api_app_id": "A0001",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "immuno.report",
            "private_metadata": "pembrolizumab|overview|C1ONC",
            "state": {"values": {"what": {"what_input": {"value": "Year looks wrong"}}}},
        },
    }
    body = urlencode({"payload": json.dumps(submission)})
    headers = sign(body)
    for _ in range(3):
        assert post(bot.events_url, body, FORM, headers).status == 200
    bot.slack.wait_for("/chat.postMessage")
    bot.settle()
    reports = [
        r for r in bot.slack.calls("/chat.postMessage") if r.body["channel"] == FEEDBACK_CHANNEL
    ]
    assert len(reports) == 1
