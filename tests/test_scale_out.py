"""Several processes behind one shared store, over real signed HTTP (SQLite and PostgreSQL).

Two instances of the production WSGI app stand for two gunicorn workers or two machines: each
has its own memory, and they share only the database, as in production.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from conftest import KEYWORD_CHANNEL, Bot, make_config
from support import FakeSlack, action_body, post, serve, sign
from test_slack_events import mention, message

from bot.slack.web import create_application

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@contextmanager
def bots(slack: FakeSlack, tmp_path: Path, url: str, count: int = 2) -> Iterator[list[Bot]]:
    with ExitStack() as stack:
        out = []
        for _ in range(count):
            config = make_config(slack, tmp_path, database_url=url)
            handler = create_application(config, watch=False)
            out.append(Bot(stack.enter_context(serve(handler)), handler, slack, config))
        yield out


def test_a_retry_delivered_to_another_process_is_not_answered_again(
    slack: FakeSlack, tmp_path: Path, migrated_url: str
) -> None:
    with bots(slack, tmp_path, migrated_url) as (a, b):
        first = a.event(mention("keytruda"), event_id="EvScale1")
        retry = b.event(mention("keytruda"), event_id="EvScale1", headers=RETRY)
        again = a.event(mention("keytruda"), event_id="EvScale1", headers=RETRY)
        assert (first.status, retry.status, again.status) == (200, 200, 200)
        slack.wait_for("/chat.postMessage")
        slack.settle()
    assert len(slack.calls("/chat.postMessage")) == 1


def test_keyword_limit_holds_across_processes(
    slack: FakeSlack, tmp_path: Path, migrated_url: str
) -> None:
    with bots(slack, tmp_path, migrated_url) as (a, b):
        for n in range(12):
            target = (a, b)[n % 2]
            target.event(
                message(f"question {n} about CRS", ts=f"1700009000.{n:06d}"),
                event_id=f"EvScaleFlood{n}",
            )
        slack.settle(quiet=0.5)
        limit = a.config.keyword_replies_per_minute
    posted = [p for p in slack.calls("/chat.postMessage") if p.body["channel"] == KEYWORD_CHANNEL]
    assert len(posted) == limit


def test_a_reply_that_could_not_be_posted_is_answered_on_slacks_retry(bot: Bot) -> None:
    bot.slack.fail("/chat.postMessage", 404)  # a permanent failure: not retried by the bot
    assert bot.event(mention("keytruda"), event_id="EvRelease1").status == 200
    bot.settle()
    assert bot.slack.calls("/chat.postMessage") == []
    for attempt in (1, 2, 3):  # Slack delivers an unanswered event up to three more times
        headers = {**RETRY, "X-Slack-Retry-Num": str(attempt)}
        assert bot.event(mention("keytruda"), event_id="EvRelease1", headers=headers).status == 200
        if bot.slack.wait_for("/chat.postMessage", timeout=2.0):
            break
    bot.settle()
    posted = bot.slack.calls("/chat.postMessage")
    assert len(posted) == 1 and "Pembrolizumab" in posted[0].body["text"]


def test_with_the_database_unreachable_commands_are_answered_and_events_wait(
    slack: FakeSlack,
    tmp_path: Path,
    unreachable_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO), bots(slack, tmp_path, unreachable_url, count=1) as (a,):
        for n in range(3):
            reply = a.slash("keytruda")
            assert reply.status == 200 and "Pembrolizumab" in reply.body
            assert a.event(mention("keytruda"), event_id=f"EvDown{n}").status == 503
        slack.settle()
    assert slack.calls("/chat.postMessage") == []
    outages = [r for r in caplog.records if r.name == "bot.state" and r.levelno >= logging.ERROR]
    assert len(outages) == 1


def test_a_replayed_click_sent_to_another_process_is_not_run_again(
    slack: FakeSlack, tmp_path: Path, migrated_url: str
) -> None:
    with bots(slack, tmp_path, migrated_url) as (a, b):
        body = action_body("immuno.share", "crs|overview", response_url=slack.response_url())
        headers = sign(body)
        form = "application/x-www-form-urlencoded"
        replies = [post(target.events_url, body, form, headers) for target in (a, b, a)]
        assert [r.status for r in replies] == [200, 200, 200]
        slack.wait_for("/response/r1")
        slack.settle(quiet=0.5)
    public = [r for r in slack.calls("/response/r1") if r.body.get("response_type") == "in_channel"]
    assert len(public) == 1
