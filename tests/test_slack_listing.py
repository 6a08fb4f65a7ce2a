"""`/immuno list`: every entry of a kind, page by page, turned with buttons over signed HTTP."""

from __future__ import annotations

from conftest import Bot
from support import blocks_of, parsed_message

from bot.knowledge import Kind, Knowledge


def _next_value(blocks: list[dict]) -> str | None:
    for block in blocks:
        for element in block.get("elements", ()):
            if element.get("action_id", "").startswith("immuno.page") and "Next" in str(element):
                return element["value"]
    return None


def test_list_drugs_pages_through_every_drug(bot: Bot, knowledge: Knowledge) -> None:
    body = bot.slash("list drugs").json()
    parsed_message(body)
    seen = body["text"]
    value = _next_value(body["blocks"])
    assert value is not None, "more drugs than one page holds, so there is a Next button"
    pages = 1
    while value is not None:
        bot.action("immuno.page", value, ephemeral=True)
        posted = bot.slack.wait_for("/response/r1", count=pages)[-1].body
        assert posted["replace_original"] is True  # the ephemeral listing turns in place
        parsed_message(posted)
        seen += posted["text"]
        value = _next_value(blocks_of(posted["blocks"]))
        pages += 1
    assert pages >= 2
    for drug in knowledge.of_kind(Kind.DRUG):
        assert drug.title in seen, drug.title


def test_page_pressed_on_a_public_listing_goes_to_the_presser_only(bot: Bot) -> None:
    bot.action("immuno.page", "drug|2", ephemeral=False)
    posted = bot.slack.wait_for("/response/r1")[0].body
    assert posted["response_type"] == "ephemeral" and posted["replace_original"] is False
    assert "page 2 of" in posted["text"]


def test_list_alone_offers_each_kind_as_a_button(bot: Bot, knowledge: Knowledge) -> None:
    body = bot.slash("list").json()
    parsed_message(body)
    values = [
        b["accessory"]["value"] for b in body["blocks"] if b.get("accessory", {}).get("value")
    ]
    assert values == [f"{k.value}|1" for k in Kind if knowledge.of_kind(k)]


def test_a_malformed_page_value_is_ignored(bot: Bot) -> None:
    assert bot.action("immuno.page", "nonsense|x").status == 200
    bot.settle()
    assert not bot.slack.calls("/response/r1")
