"""Mentions, keywords and retries through the real Bolt app, replies read at the fake Slack."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FEEDBACK_CHANNEL, KEYWORD_CHANNEL, Bot, make_config
from support import BOT_ID, BOT_USER, FakeSlack, event_body, serve

from bot.slack.web import create_application


def mention(
    text: str, ts: str = "1700000100.000100", thread_ts: str | None = None, channel: str = "C1ONC"
) -> dict:
    event = {
        "type": "app_mention",
        "user": "U1NURSE",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(text: str, ts: str, channel: str = KEYWORD_CHANNEL, **extra: object) -> dict:
    return {
        "type": "message",
        "user": "U1NURSE",
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "channel",
        **extra,
    }


def test_mention_is_answered_in_its_thread_with_the_asked_section_first(bot: Bot) -> None:
    reply = bot.event(mention("how is immune-related colitis managed?"))
    assert reply.status == 200
    posted = bot.slack.wait_for("/chat.postMessage")
    assert len(posted) == 1
    body = posted[0].body
    assert body["channel"] == "C1ONC"
    assert body["thread_ts"] == "1700000100.000100"
    blocks = json.loads(body["blocks"]) if isinstance(body["blocks"], str) else body["blocks"]
    # The answer comes first: the entry named in bold, then its management by grade.
    assert blocks[0]["text"]["text"].startswith("*Immune-related colitis / diarrhea*")
    dumped = json.dumps(blocks)
    assert "Management by grade" in dumped and "Grade 2" in dumped
    assert "Share in channel" not in dumped  # public already
    assert "not medical advice" in dumped


def test_mention_inside_a_thread_replies_in_that_thread(bot: Bot) -> None:
    bot.event(
        mention("side effects of nivolumab", ts="1700000200.000200", thread_ts="1700000000.000001")
    )
    posted = bot.slack.wait_for("/chat.postMessage")
    assert posted[0].body["thread_ts"] == "1700000000.000001"
    assert "Nivolumab" in posted[0].body["text"]


def test_which_drugs_cause_lists_drugs(bot: Bot) -> None:
    bot.event(mention("which drugs cause pneumonitis"))
    posted = bot.slack.wait_for("/chat.postMessage")
    dumped = json.dumps(posted[0].body["blocks"])
    assert "Drugs whose label lists it" in dumped and "Pembrolizumab" in dumped


def test_retried_event_is_answered_once(bot: Bot) -> None:
    event = mention("keytruda")
    first = bot.event(event, event_id="EvRETRY1")
    retry = bot.event(
        event,
        event_id="EvRETRY1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == 200 and retry.status == 200
    bot.slack.wait_for("/chat.postMessage")
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == 1


def test_keyword_in_opted_in_channel_gets_a_compact_card_once_per_thread(bot: Bot) -> None:
    bot.event(message("anyone seen CRS after cilta-cel?", ts="1700000300.000001"), event_id="EvK1")
    posted = bot.slack.wait_for("/chat.postMessage", count=2)
    texts = sorted(p.body["text"].split(":")[0] for p in posted)
    assert texts == ["Ciltacabtagene autoleucel (Carvykti)", "Cytokine release syndrome (CRS)"]
    assert all(p.body["thread_ts"] == "1700000300.000001" for p in posted)
    # the same entry again in the same thread: no second card
    bot.event(
        message("CRS again", ts="1700000301.000001", thread_ts="1700000300.000001"), event_id="EvK2"
    )
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == 2


def test_keyword_cards_are_for_entries_not_concepts(bot: Bot) -> None:
    bot.event(message("starting immunotherapy, anyone seen CRS?", ts="1700000310.000001"))
    bot.settle()
    posted = bot.slack.calls("/chat.postMessage")
    assert [p.body["text"].split(":")[0] for p in posted] == ["Cytokine release syndrome (CRS)"]


def test_keywords_ignored_in_other_channels_and_from_bots(bot: Bot) -> None:
    bot.event(
        message("CRS after cilta-cel", ts="1700000400.000001", channel="COTHER"), event_id="EvK3"
    )
    bot.event(
        message(
            "CRS after cilta-cel", ts="1700000401.000001", bot_id="BOTHER", subtype="bot_message"
        ),
        event_id="EvK4",
    )
    bot.event(
        message("CRS after cilta-cel", ts="1700000402.000001", bot_id=BOT_ID, user=BOT_USER),
        event_id="EvK5",
    )
    bot.settle()
    assert bot.slack.calls("/chat.postMessage") == []


def test_keyword_flood_is_rate_limited_per_channel(bot: Bot) -> None:
    for n in range(20):
        bot.event(
            message(f"question {n} about CRS", ts=f"1700000500.{n:06d}"), event_id=f"EvFlood{n}"
        )
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == bot.config.keyword_replies_per_minute


def test_mentions_in_keyword_channels_are_answered_once(bot: Bot) -> None:
    text = f"<@{BOT_USER}> CRS grading"
    bot.event({**message(text, ts="1700000600.000001")}, event_id="EvM1")
    bot.event(
        mention("CRS grading", ts="1700000600.000001", channel=KEYWORD_CHANNEL), event_id="EvM2"
    )
    bot.slack.wait_for("/chat.postMessage")
    bot.settle()
    posted = bot.slack.calls("/chat.postMessage")
    assert len(posted) == 1 and "Cytokine release syndrome" in posted[0].body["text"]
    assert FEEDBACK_CHANNEL not in [p.body["channel"] for p in posted]


def test_settling_waits_for_a_reply_still_on_its_way(bot: Bot) -> None:
    """Bot.settle (the app's Background.wait_idle) returns only once listener work after the
    response is over, so a test that shows something did not happen has not looked too early."""
    bot.slack.fail("/chat.postMessage", "slow")  # Slack takes a second to answer the post
    assert bot.event(mention("keytruda")).status == 200
    assert bot.slack.calls("/chat.postMessage") == []
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == 1


def test_a_mention_in_a_keyword_channel_is_recognised_before_auth_test_answers(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """An event that does not say who the bot is (no authorizations), arriving while auth.test
    is still on its way: the keyword listener waits briefly for auth.test to know its own
    mention, and leaves the message to the app_mention listener instead of adding a card."""
    slack.fail("/auth.test", "slow")
    config = make_config(slack, tmp_path, keyword_channels=frozenset({KEYWORD_CHANNEL}))
    handler = create_application(config, watch=False)
    with serve(handler) as url:
        bot = Bot(url, handler, slack, config)
        message = {
            "type": "message",
            "user": "U1NURSE",
            "text": f"<@{BOT_USER}> CRS after axi-cel?",
            "ts": "6.0001",
            "channel": KEYWORD_CHANNEL,
            "event_ts": "6.0001",
        }
        body = json.loads(event_body(message, "EvEarly001"))
        del body["authed_users"]
        assert bot.send(json.dumps(body), "application/json").status == 200
        bot.settle()
        assert slack.calls("/chat.postMessage") == []
