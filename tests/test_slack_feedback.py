"""👍 / 👎 on answers: offered under answers that found an entry, counted per entry and intent."""

from __future__ import annotations

from conftest import Bot
from support import BOT_USER, blocks_of, parsed_message

from bot import answering, feedback
from bot.resolve import Index


def _feedback(blocks: list[dict]) -> dict | None:
    for block in blocks:
        if block["type"] == "context_actions":
            return block["elements"][0]
    return None


def test_slash_answers_carry_feedback_buttons_above_the_sources(bot: Bot, index: Index) -> None:
    asked = feedback.intent_of(answering.answer("how is colitis managed?", index))
    assert asked in ("management", "act")  # the section asked for, or the reader's intent
    body = bot.slash("how is colitis managed?").json()
    parsed_message(body)
    element = _feedback(body["blocks"])
    assert element is not None and element["type"] == "feedback_buttons"
    assert element["positive_button"]["value"] == f"up|colitis|{asked}"
    assert element["negative_button"]["value"] == f"down|colitis|{asked}"
    assert body["blocks"][-2]["type"] == "context_actions"
    assert "reviewed" in str(body["blocks"][-1]).lower()  # the sources footer stays last


def test_mention_answers_carry_them_and_misses_do_not(bot: Bot) -> None:
    bot.event(
        {
            "type": "app_mention",
            "user": "U1NURSE",
            "text": f"<@{BOT_USER}> side effects of nivolumab",
            "ts": "1700000100.000100",
            "channel": "C1ONC",
            "event_ts": "1700000100.000100",
        }
    )
    posted = bot.slack.wait_for("/chat.postMessage")[0].body
    element = _feedback(blocks_of(posted["blocks"]))
    assert element is not None
    assert element["positive_button"]["value"] == "up|nivolumab|side_effects"
    miss = bot.slash("zolbetuximab").json()
    assert _feedback(miss["blocks"]) is None


def _vote(bot: Bot, value: str, user: str = "U1NURSE", pressed: str = "1700000001.000001") -> None:
    bot.action(
        "immuno.feedback",
        value,
        action_type="feedback_buttons",
        user=user,
        message_ts="1700000000.000001",
        action_ts=pressed,
    )


def test_a_vote_is_counted_once_per_person_and_answer(bot: Bot) -> None:
    _vote(bot, "down|colitis|management")
    thanks = bot.slack.wait_for("/response/r1")[0].body
    parsed_message(thanks)
    assert thanks["response_type"] == "ephemeral" and thanks["replace_original"] is False
    assert "not helpful" in thanks["text"]
    assert "Say what was wrong" in str(thanks["blocks"])  # the report form, one press away
    _vote(bot, "down|colitis|management", pressed="1700000001.500000")  # a double click
    again = bot.slack.wait_for("/response/r1", count=2)[1].body
    assert "already rated" in again["text"]
    _vote(bot, "down|colitis|management", user="U2PHARM")
    _vote(bot, "up|colitis|management", user="U3DOC")
    bot.slack.wait_for("/response/r1", count=4)
    assert bot.misslog is not None
    counts = [(f.entry_id, f.intent, f.helpful, f.unhelpful) for f in bot.misslog.feedback()]
    assert counts == [("colitis", "management", 1, 2)]


def test_a_forged_vote_value_is_ignored(bot: Bot) -> None:
    _vote(bot, "sideways|x")
    bot.settle()
    assert not bot.slack.calls("/response/r1")
    assert bot.misslog is not None and bot.misslog.feedback() == []
