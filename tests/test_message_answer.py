"""Reading someone else's message as a question (the message shortcut's core)."""

from __future__ import annotations

from bot.message_answer import answer_message
from bot.resolve import Index


def _buttons(blocks: list[dict]) -> list[str]:
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_question_gets_the_reply_a_mention_gets_plus_the_other_named_entries(
    index: Index,
) -> None:
    _, message = answer_message("how do we manage colitis from ipilimumab?", index)
    assert "Immune-related colitis / diarrhea" in message.blocks[0]["text"]["text"]
    assert "ipilimumab|overview" in _buttons(message.blocks)
    assert message.blocks[-1]["type"] == "context"  # the sources footer stays last


def test_a_bare_name_is_just_its_card(index: Index) -> None:
    _, message = answer_message("keytruda", index)
    assert "Pembrolizumab" in message.blocks[0]["text"]["text"]
    assert not any(b.get("block_id") == "immuno.message.also" for b in message.blocks)


def test_names_alone_are_offered_not_picked(index: Index) -> None:
    _, message = answer_message("agenda: nivolumab, ipilimumab", index)
    assert _buttons(message.blocks) == ["nivolumab|overview", "ipilimumab|overview"]


def test_a_compare_message_is_a_comparison(index: Index) -> None:
    _, message = answer_message("compare pembro vs nivo", index)
    assert message.attachments and message.attachments[0]["blocks"][0]["type"] == "table"


def test_small_talk_is_a_miss_not_a_guess(index: Index) -> None:
    _, message = answer_message("lunch at noon?", index)
    assert message.text.startswith("No entry for")


def test_a_very_long_message_is_read_only_so_far(index: Index) -> None:
    _, message = answer_message("keytruda " + "x" * 100_000, index)
    assert "Pembrolizumab" in message.blocks[0]["text"]["text"]
