"""The "Ask immuno about this" message shortcut, through signed requests to the real app."""

from __future__ import annotations

import json

from conftest import Bot
from support import blocks_of, parsed_message


def _actions(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_thread_reply_is_answered_privately_in_that_thread(bot: Bot) -> None:
    reply = bot.shortcut(
        "anyone know how to manage colitis from ipi?",
        ts="1700000500.000500",
        thread_ts="1700000400.000400",
    )
    assert reply.status == 200
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert posted["channel"] == "C1ONC" and posted["user"] == "U1NURSE"
    assert posted["thread_ts"] == "1700000400.000400"
    parsed_message(posted)
    blocks = blocks_of(posted["blocks"])
    assert "Immune-related colitis / diarrhea" in blocks[0]["text"]["text"]
    assert "Management by grade" in json.dumps(blocks)
    labels = [e["text"]["text"] for e in _actions(blocks)]
    assert "Share in channel" in labels
    assert "Ipilimumab (Yervoy)" in labels  # the other entry the message names
    assert any(b["type"] == "context_actions" for b in blocks)  # 👍 / 👎
    bot.settle()
    assert not bot.slack.calls("/chat.postMessage")  # nothing public


def test_a_channel_message_is_answered_in_the_channel_not_a_thread(bot: Bot) -> None:
    bot.shortcut("how is CRS graded?", ts="1700000600.000600", thread_ts="1700000600.000600")
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert "thread_ts" not in posted
    assert "Cytokine release syndrome (CRS)" in blocks_of(posted["blocks"])[0]["text"]["text"]


def test_a_message_naming_several_entries_offers_them_as_buttons(bot: Bot) -> None:
    bot.shortcut("slides for friday: pembrolizumab, atezolizumab and nivolumab")
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    parsed_message(posted)
    buttons = _actions(blocks_of(posted["blocks"]))
    assert [b["value"] for b in buttons] == [
        "pembrolizumab|overview",
        "atezolizumab|overview",
        "nivolumab|overview",
    ]
    assert all(b["action_id"].startswith("immuno.choose") for b in buttons)


def test_slack_markup_in_the_message_is_read_as_words(bot: Bot) -> None:
    bot.shortcut("<@U9OTHER> side effects of <https://example.org/k|keytruda> &amp; more?")
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert "Pembrolizumab" in blocks_of(posted["blocks"])[0]["text"]["text"]


def test_without_membership_the_answer_goes_through_the_response_url(bot: Bot) -> None:
    bot.slack.fail("/chat.postEphemeral", 404)
    bot.shortcut("keytruda")
    posted = bot.slack.wait_for("/response/r1")[0].body
    assert posted["response_type"] == "ephemeral" and posted["replace_original"] is False
    assert "Pembrolizumab" in posted["text"]


def test_a_message_without_text_gets_a_clear_answer(bot: Bot) -> None:
    bot.shortcut("")
    posted = bot.slack.wait_for("/chat.postEphemeral")[0].body
    assert "no text I can read" in posted["text"]


def test_share_from_an_answer_in_a_thread_posts_in_that_thread(bot: Bot) -> None:
    bot.action(
        "immuno.share",
        "colitis|management",
        ephemeral=True,
        container_thread_ts="1700000400.000400",
    )
    shared = bot.slack.wait_for("/response/r1")[0].body
    assert shared["response_type"] == "in_channel"
    assert shared["thread_ts"] == "1700000400.000400"


def test_the_message_text_is_never_logged_but_a_typed_miss_is(bot: Bot) -> None:
    bot.shortcut("patient jane doe 54 zzqx")
    bot.slack.wait_for("/chat.postEphemeral")
    bot.slash("zzqx typed")  # a miss typed for the bot: logged, after the shortcut's
    assert bot.misslog is not None
    misses = [m.query for m in bot.misslog.top_misses()]
    assert misses == ["zzqx typed"]
