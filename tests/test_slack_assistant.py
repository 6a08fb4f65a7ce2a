"""The assistant panel through Bolt's Assistant middleware, over signed HTTP to the real app."""

from __future__ import annotations

import json

from conftest import Bot
from support import BOT_USER, blocks_of, parsed_message

from bot import answering, prompts
from bot.knowledge import Knowledge
from bot.resolve import Index

DM = "D0ASSIST"
THREAD = "1729999327.187299"


def started(event_id: str = "EvStart") -> tuple[dict, str]:
    return (
        {
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": "U1NURSE",
                "context": {"channel_id": "C1ONC", "team_id": "T0001", "enterprise_id": None},
                "channel_id": DM,
                "thread_ts": THREAD,
            },
            "event_ts": "1729999327.187300",
        },
        event_id,
    )


def user_message(text: str, ts: str = "1729999400.000100") -> dict:
    return {
        "type": "message",
        "user": "U1NURSE",
        "text": text,
        "ts": ts,
        "thread_ts": THREAD,
        "channel": DM,
        "channel_type": "im",
        "event_ts": ts,
    }


def test_a_new_thread_gets_a_greeting_a_title_and_prompts_from_the_knowledge(
    bot: Bot, index: Index
) -> None:
    event, event_id = started()
    assert bot.event(event, event_id).status == 200
    greeting = bot.slack.wait_for("/chat.postMessage")[0].body
    assert greeting["channel"] == DM and greeting["thread_ts"] == THREAD
    parsed_message(greeting)
    assert "sourced knowledge file" in greeting["text"]
    title = bot.slack.wait_for("/assistant.threads.setTitle")[0].body
    assert title["channel_id"] == DM and title["thread_ts"] == THREAD and title["title"]
    suggested = bot.slack.wait_for("/assistant.threads.setSuggestedPrompts")[0].body
    offered = suggested["prompts"]
    offered = json.loads(offered) if isinstance(offered, str) else offered
    assert 3 <= len(offered) <= 4
    assert offered == [
        {"title": p.title, "message": p.message} for p in prompts.suggested(index.knowledge)
    ]
    for prompt in offered:  # each suggestion is one the knowledge answers with an entry
        reply = answering.answer(prompt["message"], index)
        assert reply.match is not None and reply.match.found, prompt


def test_prompts_follow_the_knowledge_not_the_code(knowledge: Knowledge) -> None:
    from dataclasses import replace

    from bot.knowledge import Knowledge as K

    drugs = sorted(knowledge.drugs, key=lambda d: -len(d.indications))
    busiest, other = drugs[0], drugs[1]
    # Give another drug more indications than the busiest one: the suggestion follows.
    grown = replace(other, indications=busiest.indications * 2)
    changed = K([grown if e.id == other.id else e for e in knowledge.entries.values()])
    before = {p.message for p in prompts.suggested(knowledge)}
    after = {p.message for p in prompts.suggested(changed)}
    assert f"Side effects of {busiest.name}" in before
    assert f"Side effects of {other.name}" in after


def test_each_message_gets_the_reply_a_mention_gets(bot: Bot) -> None:
    bot.event(user_message("how is immune-related colitis managed?"), "EvAsk1")
    answered = bot.slack.wait_for("/chat.postMessage")[0].body
    assert answered["channel"] == DM and answered["thread_ts"] == THREAD
    parsed_message(answered)
    title = bot.slack.wait_for("/assistant.threads.setTitle")[0].body
    assert title["title"] == "how is immune-related colitis managed?"
    bot.event(
        {
            "type": "app_mention",
            "user": "U1NURSE",
            "text": f"<@{BOT_USER}> how is immune-related colitis managed?",
            "ts": "1700000100.000100",
            "channel": "C1ONC",
            "event_ts": "1700000100.000100",
        },
        "EvMention",
    )
    mentioned = bot.slack.wait_for("/chat.postMessage", count=2)[1].body
    assert blocks_of(answered["blocks"]) == blocks_of(mentioned["blocks"])
    assert "Immune-related colitis / diarrhea" in blocks_of(answered["blocks"])[0]["text"]["text"]


def test_a_context_change_is_kept_and_used_without_posting(bot: Bot) -> None:
    bot.event(
        {
            "type": "assistant_thread_context_changed",
            "assistant_thread": {
                "user_id": "U1NURSE",
                "context": {"channel_id": "C2OTHER", "team_id": "T0001", "enterprise_id": None},
                "channel_id": DM,
                "thread_ts": THREAD,
            },
            "event_ts": "1729999500.000100",
        },
        "EvContext",
    )
    bot.settle()
    assert not bot.slack.calls("/chat.postMessage")
    bot.event(user_message("keytruda"), "EvAsk2")
    answered = bot.slack.wait_for("/chat.postMessage")[0].body
    metadata = answered["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    assert metadata["event_payload"]["channel_id"] == "C2OTHER"


def test_when_slack_refuses_the_assistant_calls_answers_still_arrive(bot: Bot) -> None:
    bot.slack.fail("/assistant.threads.setTitle", 403, 403)
    bot.slack.fail("/assistant.threads.setSuggestedPrompts", 403)
    event, event_id = started()
    bot.event(event, event_id)
    bot.slack.wait_for("/chat.postMessage")
    bot.event(user_message("CRS"), "EvAsk3")
    posted = bot.slack.wait_for("/chat.postMessage", count=2)
    assert "Cytokine release" in blocks_of(posted[1].body["blocks"])[0]["text"]["text"]


def test_a_retried_message_is_answered_once(bot: Bot) -> None:
    bot.event(user_message("CRS"), "EvSame")
    bot.event(user_message("CRS"), "EvSame", headers={"X-Slack-Retry-Num": "1"})
    bot.settle()
    assert len(bot.slack.calls("/chat.postMessage")) == 1
