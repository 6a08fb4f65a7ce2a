"""Every card of the shipped knowledge fits Slack's Block Kit limits and carries its footer."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot import blocks as bk
from bot import listing, render
from bot.knowledge import Knowledge
from bot.render import SECTIONS


def assert_within_limits(blocks: list[dict], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert len(block["text"]["text"]) <= 150
        if kind == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if kind == "context":
            assert 0 < len(block["elements"]) <= 10
        if kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids))
            for element in block["elements"]:
                if element.get("type") == "static_select":  # a menu: options, not a label
                    assert 0 < len(element["options"]) <= 100
                    assert all(len(o["text"]["text"]) <= 75 for o in element["options"])
                    continue
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
        if kind == "table":
            assert len(block["rows"]) <= 100
    assert [b["type"] for b in blocks].count("table") <= 1


def all_cards(knowledge: Knowledge):
    for entry in knowledge.entries.values():
        for section, _ in SECTIONS[entry.kind]:
            yield entry, section


def test_every_entry_and_section_fits(knowledge: Knowledge) -> None:
    count = 0
    for entry, section in all_cards(knowledge):
        message = render.card(entry, knowledge, section)
        assert_within_limits(message.blocks)
        footer = json.dumps(message.blocks[-1])
        assert "not medical advice" in footer and entry.last_reviewed in footer
        assert message.blocks[0]["type"] == "header"
        assert 0 < len(message.text) <= 3000
        count += 1
    assert count > 300


def test_drug_header_is_generic_then_brand(knowledge: Knowledge) -> None:
    card = render.card(knowledge.entries["axicabtagene-ciloleucel"], knowledge)
    assert card.blocks[0]["text"]["text"] == "Axicabtagene ciloleucel (Yescarta)"


def test_a_huge_entry_is_cut_to_fit_not_rejected(knowledge: Knowledge) -> None:
    from dataclasses import replace

    drug = knowledge.entries["pembrolizumab"]
    huge = replace(drug, summary="x " * 5000, name="p" * 400, indications=drug.indications * 40)
    message = render.card(huge, knowledge, "indications")
    assert_within_limits(message.blocks)
    message = render.card(huge, knowledge)
    assert_within_limits(message.blocks)


def test_many_management_grades_keep_buttons_and_footer(knowledge: Knowledge) -> None:
    from dataclasses import replace

    effect = knowledge.entries["crs"]
    huge = replace(effect, management=effect.management * 30)
    message = render.card(huge, knowledge, "management")
    assert len(message.blocks) == 50
    assert message.blocks[-1]["type"] == "context" and message.blocks[-2]["type"] == "actions"


def test_listing_help_about_compare_fit(knowledge: Knowledge) -> None:
    drugs = knowledge.drugs
    for message in (
        listing.listing(knowledge, None),
        render.help_message(knowledge),
        render.about(knowledge, "x" * 10000),
        render.compare(drugs[0], drugs[1], knowledge),
    ):
        assert_within_limits(message.blocks)


@pytest.mark.parametrize(
    "typed,forbidden",
    [
        ("<!channel>", "<!channel>"),
        ("<!here|here>", "<!here"),
        ("<@U123>", "<@U123>"),
        ("<#C123|general>", "<#C123"),
        ("<https://evil.example|click me>", "<https://"),
        ("https://evil.example/x", "https://evil"),
        ("www.evil.example", "www.evil"),
        ("*bold* `code`", "*bold*"),
    ],
)
def test_escape_user_text_disarms_markup(typed: str, forbidden: str) -> None:
    assert forbidden not in bk.escape_user_text(typed)


def test_escaped_user_text_is_cut_with_an_ellipsis() -> None:
    shown = bk.escape_user_text("word " * 100, limit=50)
    assert len(shown) == 50 and shown.endswith("…")
    assert bk.escape_user_text("short", limit=50) == "short"


def test_cut_never_splits_an_entity() -> None:
    text = "a" * 2998 + "&amp;"
    assert not bk.cut(text, 3000).endswith("&a…")
    assert len(bk.cut(text, 3000)) <= 3000


def test_a_message_memo_derives_once_per_live_message_and_forgets_freed_ones() -> None:
    """Derived forms (the feedback-offered card, its JSON body) are kept per live message: a
    shared card is derived once, a one-off reply leaves nothing behind, and a new message
    that happens to reuse a freed one's address never gets the old one's body."""
    import gc

    memo: render.MessageMemo[str] = render.MessageMemo()
    made: list[str] = []

    def deriving(message: render.Message) -> Callable[[], str]:
        def derive() -> str:
            made.append(message.text)
            return json.dumps(message.blocks)

        return derive

    card = render.Message(text="card", blocks=[bk.section("shared card")])
    first = memo.get(card, "ephemeral", deriving(card))
    again = memo.get(card, "ephemeral", deriving(card))
    assert first is again and made == ["card"]
    memo.get(card, "in_channel", deriving(card))  # another form of it: derived apart
    assert made == ["card", "card"] and len(memo) == 2

    for n in range(50):  # one-off replies, each freed after use (their ids are reused)
        one_off = render.Message(text=f"reply {n}", blocks=[bk.section(f"answer {n}")])
        assert f"answer {n}" in memo.get(one_off, "ephemeral", deriving(one_off))
        del one_off
    gc.collect()
    assert len(memo) == 2  # only the live card's forms are kept
    assert made[2:] == [f"reply {n}" for n in range(50)]  # none was served another's body
