"""One INFO line per request outcome, with no user text and no user or channel ids."""

from __future__ import annotations

import logging

import pytest
from conftest import Bot
from support import BOT_TOKEN, SIGNING_SECRET
from test_slack_events import mention


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "immuno.request"]


def test_each_request_logs_its_outcome_without_what_was_typed(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = "patient Jane Roe MRN 12345 TSH 12"
    with caplog.at_level(logging.INFO):
        assert bot.slash(secret_text).status == 200
        assert bot.event(mention(secret_text), event_id="EvLog1").status == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        bot.event(mention(secret_text), event_id="EvLog1", headers=retry)
        assert bot.send("{}", "application/json", signed=False).status == 401
    lines = _lines(caplog)
    assert len(lines) == 3
    assert lines[0].startswith("command /immuno team=T0001 status=200 ")
    assert lines[1].startswith("event app_mention team=T0001 status=200 ")
    assert lines[2].startswith("event app_mention team=T0001 status=200 retry=1 ")
    # a refused request gets the intake's one line instead (bot/slack/intake.py)
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert refused == ["refused a request: 401 missing, stale or wrong signature"]
    everything = "\n".join(lines + refused)
    for private in ("Jane", "12345", "TSH", "U1NURSE", "C1ONC", BOT_TOKEN, SIGNING_SECRET):
        assert private not in everything


@pytest.mark.parametrize(
    "body,kind,team",
    [
        (
            {"type": "block_actions", "team": {"id": "T9"}, "actions": [{"action_id": "a.b#1"}]},
            "block_actions a.b#1",
            "T9",
        ),
        (
            {"type": "view_submission", "team": {"id": "T9"}, "view": {"callback_id": "x"}},
            "view_submission x",
            "T9",
        ),
        ({"type": "url_verification", "challenge": "c"}, "url_verification", "-"),
        ({"command": "/immuno <@U1> hi", "team_id": "T1"}, "command /immunoU1hi", "T1"),
        ("not a dict", "unparsed", "-"),
    ],
)
def test_request_kinds_carry_only_slack_identifiers(body: object, kind: str, team: str) -> None:
    from bot.slack import outcome

    assert outcome.describe(body) == kind
    assert outcome.team_of(body) == team
